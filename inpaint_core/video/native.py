"""Decoded frames in the source's own sample format, and compositing a fill into them.

A :class:`NativeFrame` holds the planes of one decoded picture exactly as the decoder produced
them: planar YUV 4:2:0 / 4:2:2 / 4:4:4 (Y, Cb, Cr[, A]) or planar RGB (G, B, R[, A]) at 8 bits
(uint8) or 9-16 bits (uint16, the low ``bits`` bits used). Packed or semi-planar decoder outputs
(NV12, P010, RGB24, ...) are rearranged into the planar format of the same depth and
subsampling, which is lossless.

Colour conversion between these samples and the engines' RGB uses the frame's own matrix and
range (BT.601 / 709 / 2020 / 240M / FCC; limited "tv" or full "pc"), in float: a fill goes into a
10- or 12-bit frame without passing through 8 bits.

Chroma rule (:func:`composite`): a chroma sample covers a block of 1x1, 2x1 or 2x2 luma pixels.
It is changed when any pixel of its block is under the feathered mask (alpha > 0); its new value is
the block's mean fill chroma blended with the block's *largest* alpha. A chroma sample whose block
lies entirely outside the mask keeps the decoded source sample, so no edge sample mixes a changed
and an unchanged pixel by accident. The alpha plane (if any) is always the source's: the fill
replaces colour, not transparency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import av
import numpy as np

# luma coefficients (Kr, Kb) of the YUV matrices, by FFmpeg colour-space name
_KRKB = {"bt709": (0.2126, 0.0722), "bt470bg": (0.299, 0.114), "smpte170m": (0.299, 0.114),
         "fcc": (0.30, 0.11), "smpte240m": (0.212, 0.087), "bt2020nc": (0.2627, 0.0593),
         "bt2020c": (0.2627, 0.0593)}


def chroma_shift(f: av.VideoFormat) -> tuple[int, int]:
    """(log2 x, log2 y) chroma subsampling of a pixel format."""
    return ((1024 // max(1, f.chroma_width(1024))).bit_length() - 1,
            (1024 // max(1, f.chroma_height(1024))).bit_length() - 1)


def planar_format(fmt: str | av.VideoFormat) -> str:
    """The planar pixel format holding ``fmt``'s samples losslessly (``fmt`` itself when planar).

    Raises ValueError for formats that are not YUV, RGB or grey samples (XYZ, Bayer, hardware)."""
    f = fmt if isinstance(fmt, av.VideoFormat) else av.VideoFormat(fmt)
    if f.has_palette:
        return "gbrp"
    if f.name.startswith(("xyz", "bayer")) or f.is_bit_stream or not list(f.components):
        raise ValueError(f"no planar sample format for {f.name}")
    comps = list(f.components)
    planes = {c.plane for c in comps}
    bits = max(c.bits for c in comps)
    name = f.name
    if len(planes) == len(comps) and name.startswith(("yuv", "gbr", "gray")) and not name.startswith("yuvj") \
            and not name.endswith("be"):
        return name
    alpha = any(c.is_alpha for c in comps)
    depth = "" if bits <= 8 else f"{bits if bits in (9, 10, 12, 14, 16) else 16}le"
    if f.is_rgb:
        base = "gbrap" if alpha else "gbrp"
        if alpha and bits not in (8, 10, 12, 16):
            depth = "16le"
        return base + depth
    if len(comps) == 1:
        return "gray" + depth
    sub = {(1, 1): "420", (1, 0): "422", (0, 0): "444"}.get(chroma_shift(f), "444")
    if name.startswith("yuvj"):  # full-range JPEG formats: same samples as yuv*p
        return f"yuv{sub}p"
    return f"yuv{'a' if alpha else ''}{sub}p{depth}"


@dataclass
class NativeFrame:
    """One picture in its own sample format.

    ``planes``: per plane an (h_p, w_p) array, uint8 for 8-bit samples, uint16 for deeper ones
    (order: Y, Cb, Cr, A for YUV; G, B, R, A for RGB). ``pix_fmt`` its planar FFmpeg format,
    ``bits`` the sample depth, ``sub`` = (log2 chroma width, log2 chroma height), ``rgb`` True for
    GBR planes, ``alpha`` True when the last plane is alpha, ``space``/``full_range`` the YUV
    matrix name and range.
    """

    planes: list[np.ndarray]
    pix_fmt: str
    bits: int
    sub: tuple[int, int]
    rgb: bool
    alpha: bool
    space: str = "bt709"
    full_range: bool = False
    meta: dict = field(default_factory=dict)

    @property
    def width(self) -> int:
        return self.planes[0].shape[1]

    @property
    def height(self) -> int:
        return self.planes[0].shape[0]

    @property
    def gray(self) -> bool:
        """True for grey pictures (one luma plane, optionally alpha)."""
        return not self.rgb and len(self.planes) - int(self.alpha) == 1

    @property
    def ncolor(self) -> int:
        """Number of colour planes (1 for grey, else 3)."""
        return 1 if self.gray else 3

    @property
    def maxval(self) -> int:
        return (1 << self.bits) - 1

    def copy(self) -> NativeFrame:
        return NativeFrame([p.copy() for p in self.planes], self.pix_fmt, self.bits, self.sub, self.rgb,
                           self.alpha, self.space, self.full_range, dict(self.meta))

    def plane_sub(self, k: int) -> tuple[int, int]:
        """(log2 x, log2 y) subsampling of plane ``k`` relative to the picture."""
        if self.rgb or k == 0 or (self.alpha and k == len(self.planes) - 1):
            return (0, 0)
        return self.sub

    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.planes)


def from_av(frame: av.VideoFrame, space: str | None = None) -> NativeFrame:
    """A decoded PyAV frame -> :class:`NativeFrame` (copies the samples).

    ``space``: the YUV matrix name when the frame is untagged (default: by picture height, as
    players assume)."""
    from .colors import SPACES, default_space, name_of

    fmt = planar_format(frame.format)
    if fmt != frame.format.name:
        frame = frame.reformat(format=fmt)
    f = frame.format
    comps = list(f.components)
    bits = max(c.bits for c in comps)
    dtype = np.uint8 if bits <= 8 else np.dtype("<u2")
    planes = []
    for p in frame.planes:
        item = np.dtype(dtype).itemsize
        buf = np.frombuffer(memoryview(p), np.uint8)
        rows = buf[: p.line_size * p.height].reshape(p.height, p.line_size)
        arr = rows[:, : p.width * item].copy().view(dtype).reshape(p.height, p.width)
        planes.append(arr.astype(np.uint16) if bits > 8 else arr)
    rgb = bool(f.is_rgb)
    alpha = any(c.is_alpha for c in comps)
    sp = name_of(SPACES, frame.colorspace)
    if sp in (None, "gbr"):
        sp = space or default_space(frame.height)
    gray = fmt.startswith("gray")
    full = rgb or int(frame.color_range) == 2 or frame.format.name.startswith("yuvj") or (
        gray and int(frame.color_range) != 1)  # grey is full range unless tagged otherwise
    return NativeFrame(planes, fmt, bits, chroma_shift(f) if not rgb else (0, 0), rgb, alpha,
                       sp, full)


def to_av(nf: NativeFrame) -> av.VideoFrame:
    """:class:`NativeFrame` -> a new PyAV frame of ``nf.pix_fmt`` (samples copied in)."""
    frame = av.VideoFrame(nf.width, nf.height, nf.pix_fmt)
    for p, arr in zip(frame.planes, nf.planes):
        src = np.ascontiguousarray(arr.astype("<u2") if nf.bits > 8 else arr).view(np.uint8)
        src = src.reshape(p.height, -1)
        if p.line_size == src.shape[1]:
            p.update(src.tobytes())
        else:
            pad = np.zeros((p.height, p.line_size), np.uint8)
            pad[:, : src.shape[1]] = src
            p.update(pad.tobytes())
    return frame


# -- colour ---------------------------------------------------------------------------------------

def _yuv_scale(nf: NativeFrame) -> tuple[float, float, float, float]:
    """(y_offset, y_scale, c_center, c_scale) mapping normalised Y in [0,1] / C in [-0.5,0.5] to codes."""
    m = float(nf.maxval)
    if nf.full_range:
        return 0.0, m, float(1 << (nf.bits - 1)), m
    k = float(1 << (nf.bits - 8))
    return 16.0 * k, 219.0 * k, 128.0 * k, 224.0 * k


def rgb_to_components(nf: NativeFrame, rgb: np.ndarray) -> np.ndarray:
    """Float RGB (..., 3) on the 0-255 scale -> float (..., 3) component codes of ``nf``'s format
    (Y, Cb, Cr or G, B, R) at its bit depth and range, unrounded."""
    e = rgb.astype(np.float32) / 255.0
    if nf.rgb:
        return np.stack([e[..., 1], e[..., 2], e[..., 0]], axis=-1) * np.float32(nf.maxval)
    kr, kb = _KRKB.get(nf.space, _KRKB["bt709"])
    kg = 1.0 - kr - kb
    y = kr * e[..., 0] + kg * e[..., 1] + kb * e[..., 2]
    cb = (e[..., 2] - y) / (2.0 * (1.0 - kb))
    cr = (e[..., 0] - y) / (2.0 * (1.0 - kr))
    yo, ys, cc, cs = _yuv_scale(nf)
    return np.stack([yo + ys * y, cc + cs * cb, cc + cs * cr], axis=-1).astype(np.float32)


def components_to_rgb(nf: NativeFrame, comp: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_components`: float codes (..., 3) -> float RGB on the 0-255 scale."""
    c = comp.astype(np.float32)
    if nf.rgb:
        e = np.stack([c[..., 2], c[..., 0], c[..., 1]], axis=-1) / np.float32(nf.maxval)
        return e * 255.0
    kr, kb = _KRKB.get(nf.space, _KRKB["bt709"])
    kg = 1.0 - kr - kb
    yo, ys, cc, cs = _yuv_scale(nf)
    y = (c[..., 0] - yo) / ys
    cb = (c[..., 1] - cc) / cs
    cr = (c[..., 2] - cc) / cs
    r = y + 2.0 * (1.0 - kr) * cr
    b = y + 2.0 * (1.0 - kb) * cb
    g = (y - kr * r - kb * b) / kg
    return np.stack([r, g, b], axis=-1) * 255.0


def _upsample(plane: np.ndarray, sx: int, sy: int, rect) -> np.ndarray:
    """The samples of a subsampled plane under the luma rectangle ``rect`` (nearest neighbour)."""
    x0, y0, x1, y1 = rect
    xs = np.arange(x0, x1) >> sx
    ys = np.arange(y0, y1) >> sy
    return plane[np.ix_(ys, xs)]


def rgb_float(nf: NativeFrame, rect: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Float32 RGB (h, w, 3) on the 0-255 scale of ``rect`` (x0, y0, x1, y1; default: all),
    converted at full precision from the native samples (chroma by nearest neighbour)."""
    if rect is None:
        rect = (0, 0, nf.width, nf.height)
    if nf.gray:
        x0, y0, x1, y1 = rect
        yo, ys, _, _ = _yuv_scale(nf)
        y = (nf.planes[0][y0:y1, x0:x1].astype(np.float32) - yo) / ys * 255.0
        return np.repeat(y[..., None], 3, axis=-1)
    comp = [_upsample(nf.planes[k], *nf.plane_sub(k), rect).astype(np.float32) for k in range(3)]
    return components_to_rgb(nf, np.stack(comp, axis=-1))


def align_rect(rect, sub: tuple[int, int], size: tuple[int, int]) -> tuple[int, int, int, int]:
    """``rect`` grown to whole chroma blocks (and clipped to ``size`` = (W, H))."""
    x0, y0, x1, y1 = rect
    bx, by = 1 << sub[0], 1 << sub[1]
    W, H = size
    return (x0 - x0 % bx, y0 - y0 % by, min(W, -(-x1 // bx) * bx), min(H, -(-y1 // by) * by))


def _block_reduce(a: np.ndarray, sx: int, sy: int, how: str) -> np.ndarray:
    """Reduce (h, w[, c]) over (2**sy, 2**sx) blocks (edge blocks may be partial): max or mean."""
    if sx == 0 and sy == 0:
        return a
    bx, by = 1 << sx, 1 << sy
    h, w = a.shape[:2]
    ph, pw = -(-h // by) * by, -(-w // bx) * bx
    if (ph, pw) == (h, w):  # whole blocks (the usual aligned rectangle): no padded copies
        r = a.reshape(h // by, by, w // bx, bx, *a.shape[2:])
        if how == "max":
            return r.max(axis=(1, 3))
        return r.astype(np.float32).sum(axis=(1, 3)) / np.float32(bx * by)
    pad = [(0, ph - h), (0, pw - w)] + [(0, 0)] * (a.ndim - 2)
    if how == "max":
        p = np.pad(a, pad, mode="constant")
        return p.reshape(ph // by, by, pw // bx, bx, *a.shape[2:]).max(axis=(1, 3))
    p = np.pad(a.astype(np.float32), pad, mode="constant")
    ones = np.pad(np.ones((h, w), np.float32), pad[:2], mode="constant")
    s = p.reshape(ph // by, by, pw // bx, bx, *a.shape[2:]).sum(axis=(1, 3))
    n = ones.reshape(ph // by, by, pw // bx, bx).sum(axis=(1, 3))
    return s / (n[..., None] if a.ndim == 3 else n)


def composite(out: NativeFrame, rect: tuple[int, int, int, int], alpha: np.ndarray, fill_rgb: np.ndarray,
              src: NativeFrame | None = None) -> None:
    """Blend ``fill_rgb`` into ``out`` (in place) over ``rect`` with ``alpha``.

    ``rect`` (x0, y0, x1, y1) must start on a chroma block (see :func:`align_rect`); ``alpha``:
    (h, w) float32 in [0, 1]; ``fill_rgb``: (h, w, 3) float32 RGB on the 0-255 scale. Samples whose
    pixels (for chroma: every pixel of the block) have alpha 0 are not touched; the others become
    ``round(a * fill + (1 - a) * source)`` at the frame's bit depth (see the module's chroma rule).
    ``src``: the source samples to blend with (default: ``out``'s own; give it when pieces overlap).
    """
    x0, y0, x1, y1 = rect
    if x1 <= x0 or y1 <= y0:
        return
    comp = rgb_to_components(out, fill_rgb)
    top = np.float32(out.maxval)
    for k in range(out.ncolor):
        sx, sy = out.plane_sub(k)
        a = _block_reduce(alpha, sx, sy, "max")
        v = _block_reduce(comp[..., k], sx, sy, "mean")
        px0, py0 = x0 >> sx, y0 >> sy
        plane = out.planes[k]
        region = plane[py0:py0 + a.shape[0], px0:px0 + a.shape[1]]
        base = region if src is None else src.planes[k][py0:py0 + region.shape[0], px0:px0 + region.shape[1]]
        a = a[: region.shape[0], : region.shape[1]]
        v = v[: region.shape[0], : region.shape[1]]
        m = a > 0
        blended = np.clip(np.rint(a * v + (1.0 - a) * base.astype(np.float32)), 0, top)
        region[m] = blended[m].astype(plane.dtype)
