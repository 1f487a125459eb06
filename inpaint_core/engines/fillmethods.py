"""Fill methods of the classical engine other than flow propagation, and user reference frames.

- ``clean-plate`` ("assume no motion"): a still camera's background, estimated per pixel as the
  median over the shot of the samples that are neither masked nor moving; holes are filled from
  that plate (exemplar fill where no frame of the shot shows a pixel) and blended in the gradient
  domain, so a change of light is followed.
- ``surface``: exemplar fill of every frame from its own known region, no temporal borrowing
  (logos over water, foliage, crowds); consecutive frames reuse the previous nearest-neighbour
  field so a still hole stays still.
- ``edge-blend``: a smooth membrane (harmonic interpolation of the border), fast and without the
  radial streaks of Telea: for small marks.

Reference frames: :func:`load_references` reads user images of clean frames (at the source's
size) and resizes them to the engine's working size; the propagate engine treats their pixels as
trusted sources and carries them through the shot along the completed flow.

Arrays: frames (H, W, 3) uint8 RGB; holes (H, W) bool.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from .. import flow as F
from ..errors import VanishError
from . import FILL_METHODS
from .exemplar import ExemplarFill
from .seams import seam_correct

#: frames sampled over a shot for the clean plate
PLATE_SAMPLES = 48
#: grey-level change to either neighbour sample above which a pixel counts as moving
MOVING = 10.0


def check_method(method: str) -> str:
    if method not in FILL_METHODS:
        raise VanishError(f"Unknown fill method '{method}'. Choose one of: {', '.join(FILL_METHODS)}.")
    return method


def clean_plate(frames: Sequence[np.ndarray], holes: Sequence[np.ndarray],
                moving: float = MOVING) -> tuple[np.ndarray, np.ndarray]:
    """The background of a still shot: ``frames`` (N of (H, W, 3) uint8, in time order) and their
    ``holes``. Per pixel, the median of the samples that are outside the hole and differ from
    both neighbouring samples by at most ``moving`` grey levels (static); where no sample is static,
    the median of the unmasked ones. Returns (plate (H, W, 3) uint8, seen (H, W) bool: pixels some
    sample showed). Worked in bands of rows to bound memory."""
    n = len(frames)
    h, w = holes[0].shape
    plate = np.zeros((h, w, 3), np.uint8)
    seen = np.zeros((h, w), bool)
    band = max(8, 4_000_000 // max(1, n * w * 3))
    for y0 in range(0, h, band):
        y1 = min(h, y0 + band)
        stack = np.stack([f[y0:y1] for f in frames]).astype(np.float32)  # (N, b, W, 3)
        mask = np.stack([hl[y0:y1] for hl in holes])
        grey = stack.mean(axis=3)
        diff = np.zeros_like(grey)
        if n > 1:
            d = np.abs(np.diff(grey, axis=0))
            diff[1:] = d
            diff[:-1] = np.maximum(diff[:-1], d)
        free = ~mask
        static = free & (diff <= moving)
        use = np.where(static.any(0)[None], static, free)
        vals = np.where(use[..., None], stack, np.nan)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                med = np.nanmedian(vals, axis=0)
        ok = use.any(0)
        seen[y0:y1] = ok
        plate[y0:y1] = np.where(ok[..., None], np.clip(np.nan_to_num(med) + 0.5, 0, 255), 0).astype(np.uint8)
    return plate, seen


class PlateFiller:
    """Fills the frames of one shot from its clean plate. ``frame_fn(i)`` / ``mask_fn(i)`` give the
    shot's frames and holes (working size); the plate is built from up to :data:`PLATE_SAMPLES`
    frames spread over ``[start, stop)``."""

    def __init__(self, frame_fn: Callable[[int], np.ndarray], mask_fn: Callable[[int], np.ndarray],
                 start: int, stop: int, check: Callable[[], None] = lambda: None) -> None:
        idx = sorted({int(round(x)) for x in np.linspace(start, stop - 1, min(PLATE_SAMPLES, stop - start))})
        frames, holes = [], []
        for i in idx:
            check()
            frames.append(frame_fn(i))
            holes.append(mask_fn(i) > 0)
        plate, seen = clean_plate(frames, holes)
        if not seen.all():  # no frame shows these pixels: exemplar fill of the plate
            plate = ExemplarFill()(plate, ~seen)
        self.plate = plate

    def fill(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """``rgb`` with ``hole`` taken from the plate, seam-corrected against the frame."""
        if not hole.any():
            return rgb
        ring = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))) > 0
        canvas = rgb.astype(np.float32)
        canvas[ring] = self.plate[ring]
        seam_correct(canvas, rgb, hole, ring, limit=30.0)
        out = rgb.copy()
        out[hole] = np.clip(canvas[hole] + 0.5, 0, 255).astype(np.uint8)
        return out


def edge_blend(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Harmonic (membrane) fill of ``hole`` from its border: smooth, no streaks."""
    if not hole.any():
        return rgb
    filled = F.laplace_fill(rgb.astype(np.float32), hole)
    out = rgb.copy()
    out[hole] = np.clip(filled[hole] + 0.5, 0, 255).astype(np.uint8)
    return out


def surface_fill(fill: ExemplarFill, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Exemplar fill of one frame, seam-corrected against its surroundings."""
    if not hole.any():
        return rgb
    filled = fill(rgb, hole)
    ring = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))) > 0
    canvas = filled.astype(np.float32)
    seam_correct(canvas, rgb, hole, ring, limit=30.0)
    out = rgb.copy()
    out[hole] = np.clip(canvas[hole] + 0.5, 0, 255).astype(np.uint8)
    return out


#: frames (either side) a reference is warped to directly; farther frames get it along the chains
REFERENCE_REACH = 30


def reference_fill(frame: np.ndarray, hole: np.ndarray, ref: np.ndarray,
                   flow_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], completion: str = "auto",
                   grow: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Fill ``hole`` of ``frame`` by warping the reference image ``ref`` (the clean version of
    another frame of the shot) along the direct flow frame -> ref, completed inside the hole (a
    chain of per-frame flows drifts; one flow does not accumulate). Returns (filled (H, W, 3)
    uint8, used (H, W) bool: hole pixels whose flow lands inside ``ref``), seam-corrected."""
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)
    grown = cv2.dilate(hole.astype(np.uint8), k) > 0
    flow = F.complete_flow(flow_fn(frame, ref), grown, model=completion)
    used = hole & F.inside(flow)
    warped = F.warp(ref, flow, interpolation=cv2.INTER_CUBIC)
    ring = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))) > 0
    canvas = frame.astype(np.float32)
    canvas[ring & ~hole] = warped[ring & ~hole]
    canvas[used] = warped[used]
    seam_correct(canvas, frame, used, ring & (used | ~hole), limit=30.0)
    out = frame.copy()
    out[used] = np.clip(canvas[used] + 0.5, 0, 255).astype(np.uint8)
    return out, used


def parse_reference(text: str) -> tuple[int, str]:
    """``"FRAME=IMAGE"`` -> (frame, image path); VanishError when malformed."""
    frame, eq, path = text.partition("=")
    try:
        index = int(frame)
    except ValueError:
        index = -1
    if not eq or not path or index < 0:
        raise VanishError(f"--reference '{text}' is not FRAME=IMAGE (a frame number, '=', an image file).")
    return index, path


def load_references(refs: dict, size: tuple[int, int], frame_count: int,
                    source_size: tuple[int, int] | None = None) -> dict[int, np.ndarray]:
    """Reference images by frame: ``refs`` maps frame (int or str) to an image path or an (H, W, 3)
    uint8 RGB array, at the source's size (``source_size``, when known); returns them resized
    to the working ``size`` = (W, H). VanishError for a missing, unreadable or wrongly sized image
    or a frame outside the clip."""
    out: dict[int, np.ndarray] = {}
    for key, value in (refs or {}).items():
        i = int(key)
        if not 0 <= i < frame_count:
            raise VanishError(f"Reference frame {i} is outside the clip (frames 0-{frame_count - 1}).")
        if isinstance(value, np.ndarray):
            img = value
        else:
            p = Path(value)
            if not p.is_file():
                raise VanishError(f"Reference image not found: {p}.")
            bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
            if bgr is None:
                raise VanishError(f"Cannot read reference image {p}; is it a PNG or JPEG file?")
            img = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        got = (img.shape[1], img.shape[0])
        if source_size is not None and got != tuple(source_size) and got != tuple(size):
            raise VanishError(f"Reference image for frame {i} is {got[0]}x{got[1]}; it must be the "
                              f"video's size, {source_size[0]}x{source_size[1]}.")
        if got != tuple(size):
            interp = cv2.INTER_AREA if got[0] * got[1] > size[0] * size[1] else cv2.INTER_CUBIC
            img = cv2.resize(img, tuple(size), interpolation=interp)
        out[i] = np.ascontiguousarray(img)
    return out
