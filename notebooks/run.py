"""Run an example notebook end to end and keep the executed copy and an HTML rendering.

    python notebooks/run.py [NOTEBOOK] [--out DIR] [--update]

Runs a scratch copy from scratch (no outputs, no sidecar: every answer is asked), on real
Claude when ``ANTHROPIC_API_KEY`` is set and on the offline demo model otherwise. ``--update``
writes the executed notebook and the sidecar it recorded back beside the original: that is
how the stored notebooks and their sidecars are made, together, so that running a stored
notebook again (nbval, a fresh clone) replays its answers. Widget state is not kept in the
HTML or the stored notebooks, so viewers show the static tables.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

HERE = Path(__file__).resolve().parent


def run(notebook: Path, out: Path, update: bool) -> tuple[Path, Path]:
    work = Path(tempfile.mkdtemp(prefix="ccmagic-run-"))
    copy = work / notebook.name
    nb = nbformat.read(notebook, 4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, copy)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(work)}})  # fmt: skip
    client.execute(env=dict(os.environ, JPY_SESSION_NAME=str(copy)))
    # Without the widgets' saved state, nbconvert (and GitHub) show each widget's static
    # HTML twin; with it, they show an empty box unless they can fetch the widget manager.
    nb.metadata.pop("widgets", None)
    out.mkdir(parents=True, exist_ok=True)
    executed = out / notebook.name
    nbformat.write(nb, executed)
    rendered = out / (notebook.stem + ".html")
    body, _ = HTMLExporter().from_notebook_node(nb)
    rendered.write_text(body, encoding="utf-8")
    if update:
        nbformat.write(nb, notebook)
        sidecar = copy.with_name(copy.stem + ".claude.json")
        shutil.copy(sidecar, notebook.with_name(sidecar.name))
    shutil.rmtree(work, ignore_errors=True)
    return executed, rendered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", default=str(HERE / "quickstart.ipynb"))
    parser.add_argument("--out", default="artifacts")
    parser.add_argument(
        "--update", action="store_true", help="Store the outputs and the sidecar in place."
    )
    args = parser.parse_args()
    model = "Claude" if os.environ.get("ANTHROPIC_API_KEY") else "the offline demo model"
    print(f"Running {args.notebook} on {model}...", flush=True)
    executed, rendered = run(Path(args.notebook).resolve(), Path(args.out).resolve(), args.update)
    print(f"Executed notebook: {executed}\nHTML rendering:    {rendered}")


if __name__ == "__main__":
    main()
