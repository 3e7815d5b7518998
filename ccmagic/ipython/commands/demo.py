"""``%claude demo``: answer from the offline demo model."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from ccmagic.ipython.arguments import arg
from ccmagic.ipython.commands import subcommand

if TYPE_CHECKING:
    from ccmagic.ipython.magics import ClaudeMagics


@subcommand(
    "demo",
    "answer from the offline demo model (no network, no key)",
    arg("--auto", action="store_true", help="Only when no API key or login is present."),
)
def demo(magics: ClaudeMagics, args: argparse.Namespace) -> None:
    from ccmagic.demo.serve import has_credentials, start_demo

    if args.auto and has_credentials():
        print("Using Claude with your credentials (the demo model was not needed).")
        return
    start_demo()
    if magics.has_registry:
        for name, _ in magics.registry.items():
            # reconnect to the demo model on next use
            magics.registry.close(name, f"Session {name} continues on the offline demo model.")
    print(
        "Offline demo model: answers are scripted, not written by Claude. "
        "Restart the kernel to use real Claude."
    )
