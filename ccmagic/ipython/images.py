"""Figures as images Claude can see, bounded in size, with a short description beside them.

Claude reads an image at full detail up to 1568 px on its longest side and about 1.15
megapixels; an image costs about width × height / 750 tokens. Every picture made here is
scaled to at most :data:`MAX_SIDE` px and :data:`MAX_PIXELS` (≈ 1,600 tokens) and encoded in
at most :data:`MAX_BYTES` (PNG, or JPEG when the PNG is larger). A matplotlib figure is drawn
at the reduced resolution directly (a 4000 × 2000 px figure is never drawn in full). Pillow
(it comes with matplotlib) does the decoding and scaling; matplotlib, Pillow, plotly and
altair are only used when the object is one of theirs (and so already imported). A picture
whose drawing raises or runs past :data:`RENDER_SECONDS` is described instead.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import sys
from dataclasses import dataclass, field
from typing import Any

from ccmagic.ipython.timebox import TookTooLong, bounded

MAX_SIDE = 1568
MAX_PIXELS = 1_200_000  # ≈ 1,600 tokens
MAX_BYTES = 300_000
RENDER_SECONDS = 10.0
RASTER_TYPES = ("image/png", "image/jpeg")


@dataclass(frozen=True)
class Picture:
    """One encoded image, within the bounds above."""

    media_type: str
    data: bytes
    width: int
    height: int

    @property
    def tokens(self) -> int:
        return math.ceil(self.width * self.height / 750)

    def tool_content(self) -> dict[str, Any]:
        """As an MCP tool result item (what an in-process tool returns)."""
        return {"type": "image", "data": self.encoded(), "mimeType": self.media_type}

    def prompt_block(self) -> dict[str, Any]:
        """As a Messages API content block (what a prompt carries)."""
        source = {"type": "base64", "media_type": self.media_type, "data": self.encoded()}
        return {"type": "image", "source": source}

    def encoded(self) -> str:
        return base64.b64encode(self.data).decode()

    def summary(self) -> str:
        return f"{self.width} × {self.height} px {self.media_type.split('/')[1].upper()}"


@dataclass
class Seen:
    """What a tool hands Claude: text, and the pictures that go with it."""

    text: str
    pictures: list[Picture] = field(default_factory=list)


# -- bounding an image --------------------------------------------------------------------------


def scale_for(width: int, height: int) -> float:
    """The factor (≤ 1) that brings ``width`` × ``height`` within the side and pixel bounds."""
    if width <= 0 or height <= 0:
        return 1.0
    return min(1.0, MAX_SIDE / max(width, height), math.sqrt(MAX_PIXELS / (width * height)))


def fit(data: bytes, media_type: str = "") -> Picture:
    """``data`` (any image Pillow reads) as a :class:`Picture` within the bounds; an image
    already within them is passed on as it is."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        kind = Image.MIME.get(image.format or "", media_type)
        width, height = image.size
        scale = scale_for(width, height)
        if scale == 1.0 and kind in RASTER_TYPES and len(data) <= MAX_BYTES:
            return Picture(kind, data, width, height)
        return encode(image, scale)


def encode(image: Any, scale: float = 1.0) -> Picture:
    """A Pillow image, scaled by ``scale``, as PNG, or as JPEG when that PNG is too large."""
    from PIL import Image

    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        image = image.convert("RGB")  # opaque (a figure's usual background): a quarter less
    if scale < 1.0:  # an area average: as good as Lanczos for shrinking plots, 3x faster
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    if out.tell() <= MAX_BYTES:
        return Picture("image/png", out.getvalue(), image.width, image.height)
    flat = image
    if "A" in image.getbands():  # JPEG has no transparency: on white, as a page shows it
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
    flat = flat.convert("RGB")
    for quality in (85, 70, 50, 30):
        out = io.BytesIO()
        flat.save(out, format="JPEG", quality=quality, optimize=True)
        if out.tell() <= MAX_BYTES:
            break
    return Picture("image/jpeg", out.getvalue(), flat.width, flat.height)


# -- what can be drawn -------------------------------------------------------------------------


def _instance(value: Any, module: str, *names: str) -> bool:
    loaded = sys.modules.get(module)
    kinds = tuple(getattr(loaded, n) for n in names if hasattr(loaded, n)) if loaded else ()
    return bool(kinds) and isinstance(value, kinds)


def picture_kind(value: Any) -> str | None:
    """Which kind of picture ``value`` is (``None``: not one)."""
    if _instance(value, "matplotlib.figure", "Figure", "SubFigure"):
        return "matplotlib figure"
    if _instance(value, "matplotlib.axes", "Axes"):
        return "matplotlib axes"
    if _instance(value, "PIL.Image", "Image"):
        return "PIL image"
    if _instance(value, "numpy", "ndarray") and _image_shaped(value):
        return "image array"
    if _instance(value, "plotly.graph_objs", "Figure"):
        return "plotly figure"
    if _instance(value, "altair", "TopLevelMixin"):
        return "altair chart"
    return None


def _image_shaped(array: Any) -> bool:
    """H × W × 3 or 4, of uint8 or of floats in [0, 1]."""
    if array.ndim != 3 or array.shape[2] not in (3, 4) or min(array.shape[:2]) < 2:
        return False
    if array.dtype.kind == "u" and array.dtype.itemsize == 1:
        return True
    if array.dtype.kind != "f":
        return False
    sample = array.reshape(-1)[:: max(1, array.size // 100_000)]
    return bool(sample.min() >= 0.0 and sample.max() <= 1.0)


def look_at(value: Any) -> Seen | None:
    """``value`` as a picture with a short description, or ``None`` when it is not one.
    A drawing that raises or runs too long is described, with why there is no picture."""
    kind = picture_kind(value)
    if kind is None:
        return None
    draw, describe = _HANDLERS[kind]
    text = describe(value)
    try:
        picture = bounded(lambda: draw(value), RENDER_SECONDS)
    except TookTooLong:
        return Seen(f"{text}\n(no image: drawing it took over {RENDER_SECONDS:g} s)")
    except Exception as exc:  # the figure's own drawing failed
        return Seen(f"{text}\n(no image: drawing it failed with {type(exc).__name__}: {exc})")
    if picture is None:
        return Seen(text)
    return Seen(f"{text}\nimage: {picture.summary()} (attached)", [picture])


def _draw_figure(value: Any) -> Picture:
    figure = value.get_figure() if _instance(value, "matplotlib.axes", "Axes") else value
    figure = getattr(figure, "figure", figure)  # a SubFigure's own figure
    width, height = (figure.get_size_inches() * figure.dpi).tolist()
    dpi = figure.dpi * scale_for(round(width), round(height))
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return fit(out.getvalue())


def _describe_figure(value: Any) -> str:
    if _instance(value, "matplotlib.axes", "Axes"):
        return "matplotlib Axes\n" + _describe_axes(value, 0)
    width, height = (value.get_size_inches() * value.dpi).tolist()
    axes = list(value.get_axes())
    lines = [f"matplotlib Figure {round(width)} × {round(height)} px, {len(axes)} axes"]
    title = value._suptitle.get_text() if getattr(value, "_suptitle", None) else ""
    if title:
        lines.append(f"suptitle: {title!r}")
    lines += [_describe_axes(ax, index) for index, ax in enumerate(axes[:8])]
    return "\n".join(lines)


def _describe_axes(ax: Any, index: int) -> str:
    series = len(ax.lines) + len(ax.collections) + len(ax.containers) + len(ax.images)
    parts = [
        f"title {ax.get_title()!r}" if ax.get_title() else "no title",
        f"x {ax.get_xlabel()!r} {_limits(ax.xaxis, ax.get_xlim())}",
        f"y {ax.get_ylabel()!r} {_limits(ax.yaxis, ax.get_ylim())}",
        f"{series} series",
    ]
    labels = [h for h in ax.get_legend_handles_labels()[1] if not h.startswith("_")]
    if labels:
        parts.append("legend: " + ", ".join(labels[:10]))
    return f"  axes {index + 1}: " + " · ".join(parts)


def _limits(axis: Any, limits: tuple[float, float]) -> str:
    """``from 0.5 to 10.5``; dates as dates (matplotlib keeps them as days since 1970)."""
    dates = sys.modules.get("matplotlib.dates")
    formatter = axis.get_major_formatter()
    if dates is not None and isinstance(
        formatter, dates.AutoDateFormatter | dates.ConciseDateFormatter | dates.DateFormatter
    ):
        low, high = (dates.num2date(v).strftime("%Y-%m-%d") for v in limits)
    else:
        low, high = (f"{v:.4g}" for v in limits)
    return f"from {low} to {high}"


def _draw_pil(value: Any) -> Picture:
    return encode(value, scale_for(*value.size))


def _describe_pil(value: Any) -> str:
    return f"PIL image {value.width} × {value.height} · mode {value.mode}"


def _draw_array(value: Any) -> Picture:
    from PIL import Image

    step = max(1, int(1 / scale_for(value.shape[1], value.shape[0])))
    array = value[::step, ::step]  # most pixels dropped before any conversion
    if array.dtype.kind == "f":
        array = (array * 255).round().astype("uint8")
    image = Image.fromarray(array.__array__(), mode="RGBA" if array.shape[2] == 4 else "RGB")
    return encode(image, scale_for(image.width, image.height))


def _describe_array(value: Any) -> str:
    height, width, channels = value.shape
    return f"image array {height} × {width} × {channels} · dtype {value.dtype}"


def _draw_plotly(value: Any) -> Picture | None:
    try:
        return fit(value.to_image(format="png"))
    except (ImportError, ValueError, RuntimeError):  # no kaleido: described only
        return None


def _describe_plotly(value: Any) -> str:
    title = getattr(getattr(value.layout, "title", None), "text", None)
    kinds = sorted({trace.type for trace in value.data})
    return f"plotly Figure · title {title!r} · {len(value.data)} traces ({', '.join(kinds)})"


def _draw_altair(value: Any) -> Picture | None:
    out = io.BytesIO()
    try:
        value.save(out, format="png")
    except (ImportError, ValueError, RuntimeError):  # no vl-convert: described only
        return None
    return fit(out.getvalue())


def _describe_altair(value: Any) -> str:
    spec = value.to_dict(validate=False)
    title = spec.get("title")
    mark = spec.get("mark")
    mark = mark.get("type") if isinstance(mark, dict) else mark
    return f"altair chart · mark {mark!r} · title {title!r}"


_HANDLERS: dict[str, tuple[Any, Any]] = {
    "matplotlib figure": (_draw_figure, _describe_figure),
    "matplotlib axes": (_draw_figure, _describe_figure),
    "PIL image": (_draw_pil, _describe_pil),
    "image array": (_draw_array, _describe_array),
    "plotly figure": (_draw_plotly, _describe_plotly),
    "altair chart": (_draw_altair, _describe_altair),
}


# -- figures a cell showed ---------------------------------------------------------------------


def from_output(data: dict[str, Any]) -> tuple[Picture | None, str]:
    """The picture of a display output's MIME bundle, and what to say about it."""
    for kind in RASTER_TYPES:
        if kind in data:
            return _from_raster(kind, data[kind])
    if "image/svg+xml" in data:
        return _from_svg(str(data["image/svg+xml"]))
    return None, ""


@functools.lru_cache(maxsize=32)  # asked for again by each later ``cells`` call
def _from_raster(kind: str, raw: str | bytes) -> tuple[Picture | None, str]:
    try:
        picture = fit(base64.b64decode(raw) if isinstance(raw, str) else raw, kind)
    except Exception as exc:  # a broken image in the output
        return None, f"a {kind} image that could not be read ({type(exc).__name__})"
    return picture, f"a figure ({picture.summary()}, attached)"


@functools.lru_cache(maxsize=32)
def _from_svg(svg: str) -> tuple[Picture | None, str]:
    try:
        import cairosvg  # optional: pip install cairosvg
    except ImportError:
        return None, (
            f"an SVG figure ({len(svg):,} characters; not attached: install cairosvg to "
            "let Claude see SVG figures)"
        )
    try:
        picture = fit(cairosvg.svg2png(bytestring=svg.encode()))
    except Exception as exc:  # a broken SVG
        return None, f"an SVG figure that could not be drawn ({type(exc).__name__})"
    return picture, f"an SVG figure ({picture.summary()}, attached)"
