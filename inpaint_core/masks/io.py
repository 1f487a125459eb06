"""Reading and writing mask images and mask sequences (the rules of DESIGN.md).

A mask is (H, W) uint8, 0 = keep, 255 = remove.

Reading rules (:func:`read_mask_image`):

- a palette image (PNG mode ``P``, DAVIS-style object indices) is masked where its index is not 0;
- a bilevel image (mode ``1``) is masked where it is set;
- a greyscale or RGB image is masked where its luminance (ITU-R BT.601: 0.299 R + 0.587 G +
  0.114 B, on the 0-255 scale) is >= ``threshold`` (default 128); 16-bit greyscale is scaled to
  0-255 first;
- an image with an alpha channel is composited over black first (luminance * alpha / 255), so a
  white logo on a transparent background masks the logo; when that masks nothing but the alpha
  channel does (a black logo on a transparent background), the alpha channel is the mask
  (alpha >= ``threshold``);
- an image of another size with the video's aspect ratio (scaled to the video's width, its height
  is within 1 %, at least 1 px, of the video's) is resized to ``size`` with nearest neighbour, and
  a notice says so; an image of another aspect ratio is a :class:`MaskError` naming both sizes;
- an image whose header declares more pixels than Pillow's decompression-bomb limit is a
  :class:`MaskError` naming the file (it is never decoded).

Whether a mask that marks nothing or everything may be used is the export's rule
(:func:`inpaint_core.export.settings.mask_reader`).

A mask *source* (:func:`open_masks`) is a folder with one image per frame (sorted by name, natural
order: ``f2`` before ``f10``), a folder holding a single image, or one image file; the last two
are stationary masks for the whole clip.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import MaskError
from ..fsutil import normal_permissions
from ..notices import notice
from .ops import resize_mask

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_THRESHOLD = 128

Size = tuple[int, int]  # (width, height)


def _lum1000(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W) int64 BT.601 luminance times 1000 (exact integer arithmetic)."""
    rgb = rgb.astype(np.int64)
    return 299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2]


def mask_from_image(im: Image.Image, threshold: int = DEFAULT_THRESHOLD) -> np.ndarray:
    """A PIL image -> (H, W) uint8 0/255 mask by the reading rules above (no resizing).

    Comparisons use exact integers (luminance scaled by 1000, alpha by 255), so a pixel whose
    luminance is exactly the threshold is masked whatever the float rounding.
    """
    mode = im.mode
    t = int(threshold)
    if mode in ("P", "PA"):
        idx = np.asarray(im.getchannel(0) if mode == "PA" else im)
        on = idx != 0
    elif mode == "1":
        on = np.asarray(im).astype(bool)
    elif mode.startswith("I") or mode == "F":
        arr = np.asarray(im).astype(np.float64)
        sixteen = mode.startswith("I;16") or arr.max(initial=0) > 255
        on = arr >= (t * 257 if sixteen else t)
    elif mode == "L":
        on = np.asarray(im) >= t
    elif mode in ("LA", "La"):
        arr = np.asarray(im.convert("LA")).astype(np.int64)
        on = arr[..., 0] * arr[..., 1] >= t * 255
        if not on.any():  # the grey carries no mask: use the alpha channel
            on = arr[..., 1] >= t
    else:
        rgba = np.asarray(im.convert("RGBA"))
        lum = _lum1000(rgba[..., :3])
        if "A" in mode or "transparency" in im.info:
            alpha = rgba[..., 3]
            on = lum * alpha.astype(np.int64) >= t * 1000 * 255
            if not on.any():  # the colour carries no mask: a dark logo on a transparent background
                on = alpha >= t
        else:
            on = lum >= t * 1000
    return np.where(on, 255, 0).astype(np.uint8)


def same_aspect(got: Size, size: Size) -> bool:
    """Whether an image of ``got`` = (w, h) scaled to the width of ``size`` has its height within
    1 % (at least 1 px) of ``size``'s: the rule for resizing a mask of another size."""
    (gw, gh), (w, h) = got, size
    return abs(gh * w / gw - h) <= max(1.0, 0.01 * h)


def check_mask_size(path, got: Size, size: Size, tell: bool = True) -> None:
    """Apply the size rule to a mask ``path`` of ``got`` = (w, h) for a video of ``size``: a
    :class:`MaskError` naming both sizes for another aspect ratio, else a notice (``tell``) when
    it will be resized."""
    got, size = (int(got[0]), int(got[1])), (int(size[0]), int(size[1]))
    if got == size:
        return
    if not same_aspect(got, size):
        raise MaskError(
            f"The mask {path} is {got[0]}x{got[1]} but the video is {size[0]}x{size[1]}: another "
            f"shape (aspect ratio {got[0] / got[1]:.3f} against {size[0] / size[1]:.3f}), so it "
            "cannot be scaled to fit. Make the mask at the video's size.")
    if tell:
        notice(f"the mask {path} is {got[0]}x{got[1]}; it is scaled to the video's "
               f"{size[0]}x{size[1]} (same aspect ratio).")


def read_mask_image(path: str | os.PathLike, size: Size | None = None,
                    threshold: int = DEFAULT_THRESHOLD, tell: bool = True) -> np.ndarray:
    """Read one mask image -> (H, W) uint8 0/255; resized (nearest) to ``size`` = (w, h) if
    given, by the size rule of :func:`check_mask_size` (``tell``: give its notice).

    Raises :class:`MaskError` when the file is missing, not a readable image, too large, or of
    another aspect ratio than ``size``.
    """
    p = Path(path)
    if not p.is_file():
        raise MaskError(f"Mask image not found: {p}. Check the path.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(p)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MaskError(f"The mask image {p} is too large to be a mask ({exc}). It is not read; "
                        "use a mask image of the video's size.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MaskError(f"Cannot read the mask image {p}: it is not a readable image ({exc}). "
                        "Use a PNG (palette, greyscale or RGB).") from exc
    try:
        with im:
            if size is not None:
                check_mask_size(p, im.size, size, tell)
            im.load()
            mask = mask_from_image(im, threshold)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MaskError(f"Cannot read the mask image {p}: it is not a readable image ({exc}). "
                        "Use a PNG (palette, greyscale or RGB).") from exc
    if size is not None and (mask.shape[1], mask.shape[0]) != tuple(size):
        mask = resize_mask(mask, (int(size[0]), int(size[1])))
    return mask


_NUM = re.compile(r"(\d+)")


def natural_key(name: str) -> list:
    """Sort key that orders embedded numbers numerically (``f2`` < ``f10``)."""
    return [int(t) if t.isdigit() else t.lower() for t in _NUM.split(name)]


def list_mask_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder`` (hidden files skipped), in natural name order."""
    f = Path(folder)
    files = [p for p in f.iterdir()
             if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files, key=lambda p: natural_key(p.name))


class MaskSource:
    """Masks of a clip, one per frame, at a fixed ``size`` = (w, h).

    ``mask(i)`` -> (H, W) uint8 0/255 for 0 <= i < ``frame_count``. ``stationary`` is True when
    the same mask applies to every frame. Per-frame images are read on demand (small LRU cache).
    """

    def __init__(self, files: list[Path], frame_count: int, size: Size,
                 threshold: int = DEFAULT_THRESHOLD, cache: int = 8) -> None:
        self.files = list(files)
        self.frame_count = int(frame_count)
        self.size = (int(size[0]), int(size[1]))
        self.threshold = threshold
        self.stationary = len(self.files) == 1
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_n = max(1, cache)
        self._told = False  # the resize notice is given once per source
        if self.stationary:
            self._still = read_mask_image(self.files[0], self.size, threshold)

    def __len__(self) -> int:
        return self.frame_count

    def mask(self, i: int) -> np.ndarray:
        """Mask of frame ``i``: (H, W) uint8 0/255 (a fresh array the caller may modify)."""
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} out of range 0..{self.frame_count - 1}")
        if self.stationary:
            return self._still.copy()
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            return hit.copy()
        m = read_mask_image(self.files[i], self.size, self.threshold, tell=not self._told)
        self._told = True
        self._cache[i] = m
        if len(self._cache) > self._cache_n:
            self._cache.popitem(last=False)
        return m.copy()

    def __iter__(self):
        for i in range(self.frame_count):
            yield self.mask(i)


class StackMaskSource:
    """Masks composed from a :class:`~inpaint_core.masks.layers.MaskStack` (e.g. a project's
    layers), resized with nearest neighbour to ``size`` = (w, h) when the stack's size differs.
    Same interface as :class:`MaskSource` (``mask(i)``, ``frame_count``, ``size``, ``stationary``)."""

    stationary = False

    def __init__(self, stack, frame_count: int, size: Size) -> None:
        self.stack = stack
        self.frame_count = int(frame_count)
        self.size = (int(size[0]), int(size[1]))
        self.files: list[Path] = []

    def __len__(self) -> int:
        return self.frame_count

    def mask(self, i: int) -> np.ndarray:
        if not 0 <= i < self.frame_count:
            raise IndexError(f"frame {i} out of range 0..{self.frame_count - 1}")
        return resize_mask(self.stack.compose(i), self.size)

    def __iter__(self):
        for i in range(self.frame_count):
            yield self.mask(i)


def open_masks(path: str | os.PathLike, frame_count: int, size: Size,
               threshold: int = DEFAULT_THRESHOLD) -> MaskSource | StackMaskSource:
    """Open a mask input for a clip of ``frame_count`` frames at ``size`` = (w, h).

    ``path`` is a folder with one image per frame, a folder with a single image, or one image
    file (the last two are stationary). A project folder (``NAME.vanish``) is opened by
    :func:`inpaint_core.project.open_mask_input`, one layer up. Raises :class:`MaskError` for a
    missing path, a folder without images, or a per-frame folder whose frame count differs from
    ``frame_count``.
    """
    p = Path(path)
    if p.is_dir() and (p / "project.json").is_file():
        raise MaskError(f"{p} is a Vanish project, not a mask folder; open it as a project.")
    if p.is_dir():
        files = list_mask_images(p)
        if not files:
            raise MaskError(f"The mask folder {p} holds no images ({', '.join(IMAGE_SUFFIXES)}). "
                            "Give a folder of mask PNGs, one per frame, or one mask image.")
        if len(files) != 1 and len(files) != frame_count:
            raise MaskError(
                f"The mask folder {p} holds {len(files)} images but the video has {frame_count} "
                "frames. Give one mask image per frame, or a single image for a stationary mask.")
    elif p.is_file():
        files = [p]
    else:
        raise MaskError(f"Masks not found: {p}. Give a mask image or a folder of mask images.")
    return MaskSource(files, frame_count, size, threshold)


def _save_png(mask: np.ndarray, path: Path, bilevel: bool = False) -> None:
    if bilevel:  # 1 bit per pixel: about 2.5x faster to write and 3x faster to read than 8-bit
        h, w = mask.shape
        im = Image.frombytes("1", (w, h), np.packbits(mask > 0, axis=1).tobytes())
    else:
        im = Image.fromarray(np.where(mask > 0, 255, 0).astype(np.uint8), mode="L")
    im.save(path, format="PNG")


def write_mask_image(path: str | os.PathLike, mask: np.ndarray, bilevel: bool = False) -> None:
    """Write one (H, W) mask as a 0/255 greyscale PNG (``bilevel``: a 1-bit PNG, which readers
    expand to 0/255), atomically (temp file beside, renamed)."""
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.stem}.", suffix=".png.tmp", dir=p.parent)
    os.close(fd)
    try:
        normal_permissions(tmp)
        _save_png(mask, Path(tmp), bilevel)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_masks(folder: str | os.PathLike, masks: Iterable[np.ndarray], *,
                overwrite: bool = False, digits: int = 5) -> int:
    """Write masks as ``00000.png``, ``00001.png``, ... (0/255 greyscale) into ``folder``.

    The folder is built under a temporary name beside it and renamed when complete, so a failure
    leaves nothing at ``folder``. An existing non-empty ``folder`` is replaced only with
    ``overwrite``; otherwise :class:`MaskError`. Returns the number of masks written.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise MaskError(f"{target} exists and is not a folder; choose another output folder.")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise MaskError(f"The output folder {target} is not empty; choose a new folder "
                        "(or allow overwriting).")
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=parent))
        normal_permissions(tmp)
    except OSError as exc:
        raise MaskError(f"Cannot write masks into {parent}: {exc.strerror or exc}.") from exc
    n = 0
    try:
        for n, m in enumerate(masks, start=1):
            if m.ndim != 2:
                raise MaskError(f"Mask {n - 1} has shape {m.shape}; a mask is (H, W).")
            _save_png(m, tmp / f"{n - 1:0{digits}d}.png")
        if target.exists():
            old = parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise MaskError(f"Cannot write masks into {target}: {exc.strerror or exc}.") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return n
