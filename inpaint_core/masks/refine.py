"""Per-layer refinement rules and the add/subtract composition of layers (used by
:mod:`.layers`; masks are (H, W) uint8, 0 = keep, 255 = remove)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import MaskError

LAYER_MODES = ("add", "subtract")
MAX_SMOOTH = 12  # temporal smoothing: at most +-12 frames
MAX_LAYER_FEATHER = 256.0


def check_refinement(attr: str, value) -> None:
    """Raise :class:`MaskError` unless ``value`` is valid for the layer attribute ``attr``
    (``dilation``, ``feather``, ``smooth``, ``mode``, ``color``)."""
    ok = True
    if attr in ("dilation", "smooth", "color"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        ok = ok and (abs(value) <= 256 if attr == "dilation" else 0 <= value <= (MAX_SMOOTH if attr == "smooth" else 10**6))
    elif attr == "feather":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_LAYER_FEATHER
    elif attr == "mode":
        ok = value in LAYER_MODES
    if not ok:
        rules = {"dilation": "a whole number of pixels from -256 to 256 (negative shrinks)",
                 "smooth": f"a whole number of frames from 0 to {MAX_SMOOTH}",
                 "feather": f"a number of pixels from 0 to {MAX_LAYER_FEATHER:g}",
                 "mode": "add or subtract", "color": "a palette index 0 or more"}
        raise MaskError(f"A layer's {attr} must be {rules.get(attr, 'valid')}, not {value!r}.")


def layer_alphas(layers: Sequence, i: int) -> list[tuple[object, np.ndarray]]:
    """(layer, (H, W) uint8 0..255 alpha) of each visible adding layer of ``layers`` (bottom
    first) covering frame ``i``, after the cuts of the subtracting layers above it: a cut keeps
    ``a * (255 - cut) / 255`` (rounded), so a hard cut clears and a feathered one fades."""
    parts: list[tuple[object, np.ndarray]] = []
    for layer in layers:
        if not (layer.visible and layer.covers(i)):
            continue
        if layer.mode == "subtract":
            if not parts:
                continue
            cut = layer.alpha8(i)
            if not cut.any():
                continue
            keep = (255 - cut).astype(np.uint16)
            parts = [(lay, ((a * keep + 127) // 255).astype(np.uint8)) for lay, a in parts]
        else:
            parts.append((layer, layer.alpha8(i)))
    return parts


def next_color(used: Iterable[int | None]) -> int:
    """The lowest palette index not in ``used`` (a new layer's colour)."""
    taken = {c for c in used if c is not None}
    return next(k for k in range(len(taken) + 1) if k not in taken)
