"""What :func:`inpaint_core.video.probe` reports about a video file.

Colour properties are FFmpeg's names (``"bt709"``, ``"tv"``, ...) so that they read well in
``vanish info --json`` and can be handed back to :class:`~inpaint_core.video.VideoWriter`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class AudioInfo:
    """One audio stream: codec name, sample rate (Hz), channels, duration (s), bit rate (bit/s)."""

    index: int
    codec: str
    sample_rate: int
    channels: int
    duration: float
    bit_rate: int | None
    time_base: Fraction
    frame_size: int | None = None


@dataclass(frozen=True)
class ColorInfo:
    """Colour tags of a video stream: range (tv/pc), matrix, primaries, transfer; None = unknown."""

    color_range: str | None = None
    color_space: str | None = None
    color_primaries: str | None = None
    color_trc: str | None = None


@dataclass(frozen=True)
class VideoInfo:
    """Properties of the first video stream of a file.

    ``width``/``height`` are the displayed size (after rotation). ``fps`` is the average rate
    (frames / duration), ``rate`` the container's nominal rate, both fractions. ``time_base`` is the
    unit of the reader's ``pts``. ``duration`` is in seconds, from the first frame's timestamp to
    the end of the last frame. ``rotation`` is the clockwise rotation (0, 90, 180, 270) applied to
    decoded pictures to display them. ``profile`` is the codec profile (``"HQ"``, ``"Main 10"``),
    ``timecode`` the start timecode (``"01:00:00:00"``) when the file has one, ``metadata`` the
    container's tags and ``streams`` one dict per stream of the file (index, type, codec, ...), ``hdr`` the HDR10 static
    metadata (see :func:`inpaint_core.video.colors.hdr_metadata`) or None.
    ``shots`` is a list of ``(start, stop)`` frame ranges, or None
    when not requested.
    """

    path: str
    container: str
    codec: str
    width: int
    height: int
    coded_width: int
    coded_height: int
    fps: Fraction
    rate: Fraction
    time_base: Fraction
    frame_count: int
    duration: float
    rotation: int
    pix_fmt: str
    color_range: str | None
    color_space: str | None
    color_primaries: str | None
    color_trc: str | None
    bit_rate: int | None
    variable_frame_rate: bool
    keyframe_count: int
    audio: list[AudioInfo] = field(default_factory=list)
    shots: list[tuple[int, int]] | None = None
    profile: str | None = None
    timecode: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    streams: list[dict[str, Any]] = field(default_factory=list)
    hdr: dict[str, str] | None = None
    interlaced: bool = False

    @property
    def sample_format(self):
        """The source's :class:`~inpaint_core.video.match.SourceFormat` (bit depth, chroma, alpha)."""
        from .match import source_format

        return source_format(self.pix_fmt)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` as displayed."""
        return (self.width, self.height)

    @property
    def color(self) -> ColorInfo:
        return ColorInfo(self.color_range, self.color_space, self.color_primaries, self.color_trc)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``fps`` a number (frames / duration), ``fps_fraction``, ``rate`` and
        ``time_base`` as ``"num/den"`` strings."""
        d = asdict(self)
        for k in ("rate", "time_base"):
            d[k] = _frac_str(d[k])
        d["fps"] = float(self.fps)
        d["fps_fraction"] = _frac_str(self.fps)
        for a in d["audio"]:
            a["time_base"] = _frac_str(a["time_base"])
        sf = self.sample_format
        d.update(bit_depth=sf.bits, chroma=sf.chroma, alpha=sf.alpha)
        if d["shots"] is not None:
            d["shots"] = [list(s) for s in d["shots"]]
        return d


def _frac_str(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"
