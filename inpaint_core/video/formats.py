"""Output formats: which container, codec and pixel format an output path or ``--format`` means.

=========  ===========  ==========================  =====================================
name       extension    video codec (pixel format)  audio
=========  ===========  ==========================  =====================================
mp4        .mp4 .m4v    H.264 libx264 (yuv420p)     copied if AAC/MP3/AC-3/ALAC/Opus/FLAC
h265       .mp4 (.mkv)  H.265 libx265 (yuv420p)     as mp4 (or mkv)
mov        .mov         ProRes 422 (yuv422p10le)    copied if AAC/MP3/AC-3/ALAC/PCM
mkv        .mkv         FFV1 RGB (bgr0), lossless   copied (Matroska takes nearly any codec)
webm       .webm        VP9 libvpx-vp9 (yuv420p)    copied if Opus/Vorbis, else Opus
png        a folder     PNG per frame (rgb24)       none; timestamps in ``timestamps.json``
=========  ===========  ==========================  =====================================

Audio that the container does not accept is re-encoded to AAC (to Opus for WebM, which cannot
hold AAC).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError

_MP4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})
_MOV_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "pcm_s16le", "pcm_s16be", "pcm_s24le",
                        "pcm_s24be", "pcm_f32le", "pcm_f32be"})
_MKV_AUDIO = frozenset({"aac", "mp3", "mp2", "ac3", "eac3", "alac", "opus", "vorbis", "flac", "dts",
                        "truehd", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le"})
_WEBM_AUDIO = frozenset({"opus", "vorbis"})


@dataclass(frozen=True)
class OutputFormat:
    """How an output is written: ``container`` (FFmpeg muxer name, None for a PNG folder),
    ``codec``, ``pix_fmt``, accepted audio codecs for copying and the audio fallback encoder."""

    name: str
    container: str | None
    codec: str
    pix_fmt: str
    audio_copy: frozenset
    audio_encoder: str | None
    default_crf: int | None = None

    @property
    def is_folder(self) -> bool:
        return self.container is None

    @property
    def lossless(self) -> bool:
        return self.codec in ("ffv1", "png")


FORMATS = {
    "mp4": OutputFormat("mp4", "mp4", "libx264", "yuv420p", _MP4_AUDIO, "aac", 18),
    "h265": OutputFormat("h265", "mp4", "libx265", "yuv420p", _MP4_AUDIO, "aac", 20),
    "mov": OutputFormat("mov", "mov", "prores_ks", "yuv422p10le", _MOV_AUDIO, "aac"),
    "mkv": OutputFormat("mkv", "matroska", "ffv1", "bgr0", _MKV_AUDIO, "aac"),
    "webm": OutputFormat("webm", "webm", "libvpx-vp9", "yuv420p", _WEBM_AUDIO, "libopus", 32),
    "png": OutputFormat("png", None, "png", "rgb24", frozenset(), None),
}

ALIASES = {"h264": "mp4", "avc": "mp4", "hevc": "h265", "x265": "h265", "prores": "mov",
           "ffv1": "mkv", "matroska": "mkv", "vp9": "webm", "png-folder": "png", "pngs": "png",
           "png-sequence": "png", "m4v": "mp4"}

EXTENSIONS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "mkv", ".webm": "webm"}

FORMAT_NAMES = sorted(set(FORMATS) | set(ALIASES))


def output_format(path: str | os.PathLike, format: str | None = None) -> OutputFormat:
    """Resolve the output format from ``format`` (a name or alias) or from ``path``'s extension.

    A path without extension (or an existing folder) means a PNG sequence folder. ``h265`` keeps
    a ``.mkv``/``.mov`` extension's container, else writes mp4. Raises :class:`OutputError` for an
    unknown name or extension, or a format that does not fit the extension.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if format:
        key = ALIASES.get(format.lower(), format.lower())
        if key not in FORMATS:
            raise OutputError(f"Unknown output format {format!r}. Choose one of: {', '.join(FORMAT_NAMES)}.")
        fmt = FORMATS[key]
        if key == "h265" and ext in (".mkv", ".mov"):
            fmt = OutputFormat("h265", "matroska" if ext == ".mkv" else "mov", "libx265", "yuv420p",
                               _MKV_AUDIO if ext == ".mkv" else _MOV_AUDIO, "aac", 20)
        elif key == "png" and ext in EXTENSIONS:
            raise OutputError(f"A PNG sequence is written to a folder; {p} looks like a video file name.")
        elif key not in ("png", "h265") and ext in EXTENSIONS and EXTENSIONS[ext] != key and not (
            key == "mov" and ext == ".mov"
        ):
            raise OutputError(
                f"Format {format!r} cannot be written to a {ext} file. Use the extension "
                f"{_ext_for(key)} or leave --format out."
            )
        return fmt
    if ext in EXTENSIONS:
        return FORMATS[EXTENSIONS[ext]]
    if ext == "" or p.is_dir():
        return FORMATS["png"]
    raise OutputError(
        f"Cannot tell the output format from the extension {ext!r} of {p}. Use .mp4, .mov, .mkv, "
        ".webm, a folder name (PNG sequence) or --format."
    )


def check_frame_size(fmt: OutputFormat, width: int, height: int) -> None:
    """Raise :class:`OutputError` when ``fmt`` cannot hold frames of ``width`` x ``height``:
    4:2:0 chroma (H.264, H.265, VP9) needs an even width and height, 4:2:2 (ProRes) an even width.
    Called before an export starts, so nothing is encoded (or scanned) in vain."""
    odd_w, odd_h = width % 2 == 1, height % 2 == 1
    if (fmt.pix_fmt.startswith("yuv420") and (odd_w or odd_h)) or (fmt.pix_fmt.startswith("yuv422") and odd_w):
        need = "an even width and height" if fmt.pix_fmt.startswith("yuv420") else "an even width"
        raise OutputError(
            f"The {fmt.name} format ({fmt.codec}, {fmt.pix_fmt}) needs {need}, but the video is "
            f"{width}x{height}. Nothing was written: export to .mkv (lossless FFV1) or a PNG folder, "
            "which take any size, or crop the source to an even size first.")


def _ext_for(key: str) -> str:
    return {"mp4": ".mp4", "mov": ".mov", "mkv": ".mkv", "webm": ".webm"}.get(key, "")
