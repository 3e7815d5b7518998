"""Describing hostile objects and pictures: no user code run for attributes, bounded time,
bounded images. Pure pieces, no CLI, no kernel."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from typing import Any

import pytest

from ccmagic.ipython import images, inspection
from ccmagic.ipython.inspection import InspectionError, describe, resolve, variables_table
from ccmagic.ipython.timebox import TookTooLong, bounded


class Booby:
    """Writes a file when its property is read, and answers every missing attribute."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker
        self.calls: list[str] = []
        self.plain = 41

    @property
    def prop(self) -> int:
        """Reading it writes the marker file."""
        self.marker.write_text("ran")
        return 1

    def __getattr__(self, name: str) -> Any:
        self.__dict__.setdefault("calls", []).append(name)
        return 7


def test_a_property_is_described_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    namespace = {"obj": Booby(marker)}
    value = resolve("obj.prop", namespace, set())
    text = describe("obj.prop", value)
    assert not marker.exists()
    assert "a property of class Booby" in text and "does not run the user's code" in text
    assert "Reading it writes the marker file." in text
    assert resolve("obj.plain", namespace, set()) == 41  # a stored value is read


def test_getattr_is_never_called_for_shape_nbytes_or_a_lookup(tmp_path: Path) -> None:
    obj = Booby(tmp_path / "m")
    line = variables_table({"obj": obj}, set())
    assert obj.calls == []
    assert "obj · Booby" in line
    with pytest.raises(InspectionError, match="__getattr__"):
        resolve("obj.missing", {"obj": obj}, set())
    assert obj.calls == []
    described = describe("obj", obj)
    assert obj.calls == [] and "plain" in described and "prop" in described


class SlowRepr:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def __repr__(self) -> str:
        time.sleep(self.seconds)
        return "slow"


class EndlessRepr:
    def __repr__(self) -> str:
        while True:
            with contextlib.suppress(Exception):  # what swallows errors cannot swallow the stop
                pass


@pytest.mark.parametrize("hostile", [SlowRepr(30), EndlessRepr()], ids=["slow", "endless"])
def test_a_slow_repr_is_listed_as_too_long(
    hostile: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inspection, "SECONDS_PER_OBJECT", 0.2)
    namespace: dict[str, object] = {f"v{i:02}": i for i in range(20)} | {"hostile": hostile}
    started = time.monotonic()
    table = variables_table(namespace, set())
    assert time.monotonic() - started < 5
    assert "hostile · " in table and "repr took too long" in table
    assert "v07 · int · 28 B · 7" in table  # the objects after it are described as usual


def test_a_listing_has_a_total_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inspection, "SECONDS_PER_OBJECT", 0.1)
    monkeypatch.setattr(inspection, "SECONDS_PER_LISTING", 0.25)
    namespace = {f"s{i}": SlowRepr(5) for i in range(6)}
    table = variables_table(namespace, set())
    assert table.count("repr took too long") in (2, 3)
    assert "the time for this listing ran out" in table


def test_bounded_restores_an_outer_timer() -> None:
    with pytest.raises(TookTooLong):
        bounded(lambda: bounded(lambda: time.sleep(0.05), 1.0) or time.sleep(5), 0.3)
    assert bounded(lambda: 3, 0.5) == 3


# -- pictures ---------------------------------------------------------------------------------


def test_a_large_figure_is_drawn_small_and_described() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    figure, axes = plt.subplots(figsize=(40, 20), dpi=100)
    axes.plot([0, 1, 2], [3, 1, 2], label="sales")
    axes.bar([0, 1], [1, 2])
    axes.set(title="Sales", xlabel="month", ylabel="units")
    axes.legend()
    seen = images.look_at(figure)
    plt.close(figure)
    assert seen is not None
    [picture] = seen.pictures
    assert max(picture.width, picture.height) <= images.MAX_SIDE
    assert picture.width * picture.height <= images.MAX_PIXELS and picture.tokens <= 1_600
    assert len(picture.data) <= images.MAX_BYTES and picture.data.startswith(b"\x89PNG")
    assert "Figure 4000 × 2000 px" in seen.text and "title 'Sales'" in seen.text
    assert "x 'month'" in seen.text and "2 series" in seen.text and "legend: sales" in seen.text


def test_a_figure_whose_drawing_raises_is_described() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    figure, axes = plt.subplots()
    axes.set_title("broken")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no renderer")

    figure.savefig = fail  # type: ignore[method-assign]
    seen = images.look_at(figure)
    plt.close(figure)
    assert seen is not None and not seen.pictures
    assert "title 'broken'" in seen.text and "RuntimeError: no renderer" in seen.text


def test_image_arrays_and_pil_images() -> None:
    np = pytest.importorskip("numpy")
    from PIL import Image

    noise = np.random.default_rng(0).random((3000, 2000, 3))
    seen = images.look_at(noise)
    assert seen is not None and seen.pictures
    assert max(seen.pictures[0].width, seen.pictures[0].height) <= images.MAX_SIDE
    assert len(seen.pictures[0].data) <= images.MAX_BYTES
    assert images.look_at(np.zeros((10, 10, 3)) + 2.0) is None  # floats beyond [0, 1]
    assert images.look_at(np.zeros((10, 10))) is None
    small = Image.new("RGB", (64, 32), "red")
    seen = images.look_at(small)
    assert seen is not None and seen.pictures[0].width == 64
    assert "PIL image 64 × 32 · mode RGB" in seen.text


def test_an_output_within_bounds_is_passed_on_as_it_is() -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(out, format="PNG")
    picture, said = images.from_output({"image/png": out.getvalue(), "text/plain": "x"})
    assert picture is not None and picture.data == out.getvalue() and "300 × 200" in said
    picture, said = images.from_output({"image/svg+xml": "<svg/>"})
    assert said.startswith("an SVG figure")
