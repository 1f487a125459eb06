"""What the engine sees inside the hole during a benchmark.

In real use the hole holds the thing being removed (a logo, a person, a car), never the background
behind it. A benchmark that hands the engine the *true* frames, hole pixels included, lets every
method that looks at those pixels (optical flow near and across the hole, above all) see the
answer, and scores it too well. So the benchmark replaces the hole pixels before any engine runs,
and scores the result against the untouched truth.

Modes (:data:`HOLE_CONTENTS`; the first is the default):

- ``logo``: a burned-in overlay, high-contrast diagonal stripes of near-white and a saturated blue
  (period 12 px), anchored at the centre of each frame's hole. A stationary hole therefore holds a
  still logo, and a moving hole an object that moves with it, as in real footage. The stripes give
  optical flow strong, wrong texture to lock on to, as a real logo or object does.
- ``flat``: one mid-grey (128) over the hole: no texture at all.
- ``truth``: the true pixels (the old, optimistic behaviour), for comparison only.

Only the pixels of the *ungrown* hole are replaced; the ring an engine's ``default_grow`` adds stays
the true picture, as it does around a real user mask.

Arrays: frames (N, H, W, 3) uint8 RGB; masks (N, H, W) uint8 0/255 or bool.
"""

from __future__ import annotations

import numpy as np

from ..errors import VanishError

HOLE_CONTENTS = ("logo", "flat", "truth")
DEFAULT_HOLE_CONTENT = HOLE_CONTENTS[0]
#: the logo's two colours and stripe period (px)
LOGO_LIGHT = np.array([236, 236, 230], np.uint8)
LOGO_DARK = np.array([30, 60, 200], np.uint8)
LOGO_PERIOD = 12
FLAT_GREY = 128


def check_hole_content(mode: str) -> str:
    if mode not in HOLE_CONTENTS:
        raise VanishError(f"Unknown hole content '{mode}'; choose one of {', '.join(HOLE_CONTENTS)}.")
    return mode


def logo_pattern(shape: tuple[int, int], centre: tuple[float, float]) -> np.ndarray:
    """(H, W, 3) uint8: the ``logo`` stripes with their origin at ``centre`` (x, y)."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    phase = np.floor(((xx - centre[0]) + (yy - centre[1])) / (LOGO_PERIOD / 2)).astype(np.int64)
    light = (phase % 2) == 0
    return np.where(light[..., None], LOGO_LIGHT, LOGO_DARK).astype(np.uint8)


def occlude(frames: np.ndarray, masks: np.ndarray, mode: str = DEFAULT_HOLE_CONTENT) -> np.ndarray:
    """The frames an engine is given: ``frames`` with the pixels under ``masks`` replaced as
    ``mode`` says (see the module docstring). ``truth`` returns ``frames`` itself; the others a new
    array, ``frames`` unchanged."""
    check_hole_content(mode)
    if mode == "truth":
        return frames
    if len(frames) != len(masks):
        raise VanishError(f"{len(frames)} frames but {len(masks)} masks.")
    out = np.array(frames, dtype=np.uint8, copy=True)
    for t in range(len(out)):
        hole = np.asarray(masks[t]) > 0
        if not hole.any():
            continue
        if mode == "flat":
            out[t][hole] = FLAT_GREY
            continue
        ys, xs = np.nonzero(hole)
        # anchored at the hole's centre, rounded so a still hole holds a still pattern
        centre = (float(np.rint(xs.mean())), float(np.rint(ys.mean())))
        out[t][hole] = logo_pattern(hole.shape, centre)[hole]
    return out
