"""Export settings resolved from the source: working size, canvas mode, default quality, chunks,
and how masks are read."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import MaskError

# the working-size and canvas rules live in the settings schema (one definition for preview and export)
from ..settings import DEFAULT_LONG_SIDE, canvas_mode  # noqa: E402,F401
from ..settings import working_size as default_work_size  # noqa: E402,F401


def parse_size(text: str) -> tuple[int, int]:
    """``'960x540'`` -> (960, 540); ValueError with a clear message otherwise."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like WIDTHxHEIGHT (for example 960x540), not {text!r}") from None
    if w < 16 or h < 16:
        raise ValueError(f"size {text!r} is too small (at least 16x16)")
    return w, h


def default_crf(bit_rate: int | None, size: tuple[int, int], fps: float, fmt: str) -> int | None:
    """A CRF matched to the source's bit rate (bits per pixel per frame): the H.264 rule of thumb
    that halving the bit rate costs about 6 CRF steps, anchored at CRF 18 for 0.1 bit/pixel and
    kept within 14..28. ``h265`` is offset by +4, ``webm`` (VP9, 0-63 scale) by +12; formats without
    CRF (ProRes, FFV1, PNG) get None."""
    if fmt not in ("mp4", "h265", "webm"):
        return None
    if not bit_rate or fps <= 0:
        base = 18
    else:
        bpp = bit_rate / (size[0] * size[1] * fps)
        base = int(round(min(28, max(14, 18 + 6 * math.log2(0.1 / max(bpp, 1e-4))))))
    return base + {"mp4": 0, "h265": 4, "webm": 12}[fmt]


def mask_reader(masks, frame_count: int, size: tuple[int, int]) -> Callable[[int], np.ndarray]:
    """Turn ``masks`` into ``fn(i) -> (H, W) uint8 0/255`` at ``size`` = (W, H).

    Accepts a path (mask image or folder, via :func:`inpaint_core.masks.open_masks`), an (H, W)
    array (stationary), an object with ``compose(i)`` (a ``MaskStack``) or ``mask(i)``, or a callable.
    A mask document or stack is read with its layers' feathers (``compose_alpha``: 0..255, non-zero
    = masked; see :class:`~inpaint_core.export.frames.FrameData`).

    Coverage rule: a mask that covers the whole frame is a :class:`MaskError` (there is nothing
    left to fill it from), raised at once for a stationary mask and when the frame is read for
    per-frame masks; a stationary mask that marks nothing gives a notice (the export is then a
    re-encoded copy of the source).
    """
    W, H = size
    if isinstance(masks, (str, Path)):
        from ..project import open_mask_input

        src = open_mask_input(Path(masks), frame_count, size)
        label = str(masks)
        if src.stationary:
            _coverage(src.mask(0), label, None)
        return lambda i: _coverage(_checked(src.mask(i), size), label, i)
    if isinstance(masks, np.ndarray):
        if masks.shape[:2] != (H, W):
            raise MaskError(f"The mask is {masks.shape[1]}x{masks.shape[0]} but the video is {W}x{H}.")
        m = _coverage(np.where(masks > 0, 255, 0).astype(np.uint8), "given", None)
        return lambda i: m
    if hasattr(masks, "compose"):
        # with the layers' feathers (0..255): the final blend keeps each layer's soft edge
        compose = getattr(masks, "compose_alpha", masks.compose)
        return lambda i: _coverage(_checked(compose(i), size), "of the project", i)
    if hasattr(masks, "mask"):
        return lambda i: _coverage(_checked(masks.mask(i), size), "given", i)
    if callable(masks):
        return lambda i: _coverage(_checked(masks(i), size), "given", i)
    raise MaskError("No mask given: pass a mask image or folder (--masks) or a project.")


def _coverage(m: np.ndarray, label: str, frame: int | None) -> np.ndarray:
    """``m`` after the coverage rule of :func:`mask_reader` (``frame`` None: a stationary mask)."""
    if m.size and m.min() > 0:
        where = "on every frame" if frame is None else f"on frame {frame}"
        raise MaskError(f"The mask {label} covers the whole picture {where}: there is nothing left to "
                        "fill it from. Mask only what should be removed.")
    if frame is None and not m.any():
        from ..notices import notice

        notice(f"the mask {label} marks nothing to remove; the output is a re-encoded copy of the source.")
    return m


def _checked(m: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    W, H = size
    if m.shape[:2] != (H, W):
        raise MaskError(f"A mask is {m.shape[1]}x{m.shape[0]} but the video is {W}x{H}.")
    return m if m.dtype == np.uint8 else np.where(m > 0, 255, 0).astype(np.uint8)


def plan_chunks(start: int, end: int, shots: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Chunks (a, b) covering [start, end), never crossing a shot boundary, about ``size`` long."""
    out = []
    for a, b in shots:
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        n = max(1, round((b - a) / size))
        edges = np.linspace(a, b, n + 1).round().astype(int)
        out += [(int(x), int(y)) for x, y in zip(edges[:-1], edges[1:]) if y > x]
    return out
