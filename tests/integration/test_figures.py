"""Claude sees what the person sees: figures reach the model as images through the notebook
tools and ``--with``, bounded, and hostile objects cannot stall or fool the tools. Real kernel,
real CLI, fake model."""

from __future__ import annotations

import json
import threading
import time

from ccmagic.testing import FakeAnthropicAPI, Reply
from tests.conftest import KernelNotebook, errors_of, text_of
from tests.integration.test_sharing import move_home

PLOT = (
    "import matplotlib\nmatplotlib.use('agg')\nimport matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(40, 20), dpi=100)\n"
    "ax.plot([1, 2, 3], [2, 4, 3], label='sales')\n"
    "ax.set(title='Sales by month', xlabel='month', ylabel='units')\n"
    "ax.legend()\nplt.close(fig)"
)


def use(tool: str, **tool_input: object) -> Reply:
    return Reply(f"Using {tool}.", tool_uses=[(f"mcp__notebook__{tool}", dict(tool_input))])


def tool_texts(api: FakeAnthropicAPI) -> list[str]:
    return [text for r in api.requests for _, text in r.tool_results()]


def test_inspect_of_a_figure_shows_claude_the_image(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + PLOT)
    fake_api.script(use("inspect", name="fig"), "A rising line.")
    cell = notebook.run("%%claude -s a\nWhat does fig show?")
    assert not errors_of(cell), text_of(cell)
    [seen] = tool_texts(fake_api)
    assert "matplotlib Figure 4000 × 2000 px, 1 axes" in seen
    assert "title 'Sales by month'" in seen and "1 series" in seen
    [image] = fake_api.requests[-1].images
    assert image.where == "mcp__notebook__inspect" and image.media_type == "image/png"
    assert max(image.width or 0, image.height or 0) <= 1568 and image.size <= 300_000
    assert "A rising line." in text_of(cell)
    [shown] = [o for o in notebook.run("%claude history").outputs if "data" in o]
    page = shown["data"]["text/html"]  # the turn's row shows a small picture of the figure
    assert "[1 image]" in page and page.count("<img src='data:image/jpeg;base64,") == 1


def test_a_figure_seen_three_times_is_kept_once_and_a_resume_elsewhere_sees_it(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + PLOT)
    fake_api.script(*[use("inspect", name="fig")] * 3, "Seen thrice.")
    cell = notebook.run("%%claude -s a\nLook at fig three times.")
    assert not errors_of(cell), text_of(cell)
    sent = [i for r in fake_api.requests for i in r.images]
    assert len(sent) >= 3  # each later request carries the earlier ones again
    sidecar = notebook.path.with_name("analysis.claude.json")
    log = [json.loads(line.rstrip(",")) for line in sidecar.read_text().splitlines()[1:-1]]
    blobs = [e for e in log if e["event"] == "blob"]
    assert len(blobs) == 1 and blobs[0]["media_type"] == "image/png"
    assert sidecar.read_text().count(blobs[0]["data"]) == 1
    notebook.stop()
    # a colleague's machine: an empty HOME, only the sidecar; the resumed Claude sees it
    move_home(notebook.path.parent / "elsewhere")
    fake_api.clear_script()
    kernel = KernelNotebook(notebook.path).start()
    try:
        kernel.run("%load_ext ccmagic")
        fake_api.script("Still seen.")
        again = kernel.run("%%claude -s a\nAnd now?")
    finally:
        kernel.stop()
    assert not errors_of(again), text_of(again)
    carried = [i for m in fake_api.requests[-1].body["messages"] for i in _images_in(m)]
    assert len(carried) == 3 and {i["source"]["media_type"] for i in carried} == {"image/png"}
    assert {i["source"]["data"] for i in carried} == {blobs[0]["data"]}


def _images_in(message: dict[str, object]) -> list[dict[str, object]]:
    content = message.get("content")
    found: list[dict[str, object]] = []
    for block in content if isinstance(content, list) else []:
        if block.get("type") == "image":
            found.append(block)
        if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
            found += [b for b in block["content"] if b.get("type") == "image"]
    return found


def test_cells_return_the_figures_they_showed_newest_first_at_most_four(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n%matplotlib inline\nimport matplotlib.pyplot as plt")
    for n in range(5):
        notebook.run(f"plt.figure(figsize=({2 + n}, 2))\nplt.plot([0, {n}])\nplt.title('n={n}')")
    notebook.run("from PIL import Image\nImage.new('RGB', (40, 30), 'red')")  # a value
    fake_api.script(use("cells", count=10), "Six pictures.")
    cell = notebook.run("%%claude -s a\nWhat did my last cells draw?")
    assert not errors_of(cell), text_of(cell)
    [seen] = tool_texts(fake_api)
    images = fake_api.requests[-1].images
    assert len(images) == 4 and all(i.where == "mcp__notebook__cells" for i in images)
    assert (images[0].width, images[0].height) == (40, 30)  # the newest first
    widths = [i.width or 0 for i in images[1:]]
    assert widths == sorted(widths, reverse=True)  # then n=4, n=3, n=2
    assert seen.count(", attached) as image ") == 3 and "not attached: at most 4" in seen
    assert "its value is a figure: PIL image 40 × 30 · mode RGB, attached as image 1" in seen


def test_with_fig_attaches_the_image_to_the_prompt_and_the_demo_model_answers_about_it(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + PLOT)
    cell = notebook.run("%%claude -s a --with fig\nWhat does this plot show?")
    assert not errors_of(cell), text_of(cell)
    [request] = fake_api.requests
    [image] = request.images
    assert image.where == "prompt" and image.media_type == "image/png"
    assert "mcp__notebook__" not in json.dumps(request.body["messages"])  # no round trip
    shown = text_of(cell)
    assert "↳ fig: matplotlib Figure 4000 × 2000 px, 1 axes" in shown
    assert f"I received 1 image in your prompt: {image.width} × {image.height} px" in shown


def test_demo_model_inspects_a_figure_and_says_what_it_received(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + PLOT)
    cell = notebook.run("%%claude -s a\nWhat does `fig` show?")
    assert not errors_of(cell), text_of(cell)
    shown = text_of(cell)
    assert "I received 1 image in the tool's result: 1549 × 774 px image/png" in shown
    assert "title 'Sales by month'" in shown


HOSTILE = """
import time
class Hostile:
    @property
    def prop(self):
        open('property-ran', 'w').close()
        return 1
    def __getattr__(self, name):
        open(f'getattr-{name}', 'w').close()
        return 7
class Slow:
    def __repr__(self):
        time.sleep(30)
        return 'slow'
obj = Hostile()
slow = Slow()
for i in range(99):
    globals()[f'v{i:02}'] = i
"""


def test_hostile_objects_run_no_code_and_a_slow_repr_cannot_stall_the_tools(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + HOSTILE)
    fake_api.script(use("inspect", name="obj.prop"), use("variables"),
                    use("inspect", name="slow"), use("inspect", name="obj"), "Done.")  # fmt: skip
    cell = notebook.run("%%claude -s a\nlook at obj.prop, the variables, slow and obj")
    assert not errors_of(cell), text_of(cell)
    prop, listing, slow, obj = tool_texts(fake_api)
    assert "a property of class Hostile" in prop
    assert "slow · Slow · repr took too long" in listing and "v98 · int" in listing
    assert "took too long" in slow
    assert "prop" in obj
    leftovers = text_of(notebook.run("import os\nprint(sorted(os.listdir('.')))"))
    assert "property-ran" not in leftovers and "getattr-" not in leftovers, leftovers


SLOW_FIGURE = """
import matplotlib
matplotlib.use('agg')
import matplotlib.pyplot as plt, matplotlib.artist, pathlib, time
class Slow(matplotlib.artist.Artist):
    def draw(self, renderer):
        pathlib.Path('drawing').touch()
        time.sleep(60)
fig = plt.figure()
fig.add_artist(Slow())
plt.close(fig)
"""


def test_an_interrupt_stops_a_slow_render_and_the_session_goes_on(
    notebook: KernelNotebook, fake_api: FakeAnthropicAPI
) -> None:
    notebook.run("%load_ext ccmagic\n" + SLOW_FIGURE)
    drawing = notebook.path.with_name("drawing")
    fake_api.script(use("inspect", name="fig"), "never reached")

    def interrupt_once_it_draws() -> None:
        deadline = time.monotonic() + 60
        while not drawing.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        notebook.interrupt()

    helper = threading.Thread(target=interrupt_once_it_draws, daemon=True)
    helper.start()
    cell = notebook.run("%%claude -s a\nWhat does `fig` show?")
    latency = time.monotonic() - notebook.interrupted_at
    helper.join()
    assert [e.ename for e in errors_of(cell)] == ["KeyboardInterrupt"]
    assert latency < 5  # well before the render's own 10 s bound: the interrupt stopped it
    fake_api.clear_script()
    fake_api.script("Still here.")
    after = notebook.run("%%claude -s a\nAre you there?")
    assert not errors_of(after) and "Still here." in text_of(after)
