"""Pure numpy rendering for the viewer: view modes, mask overlay, numpy <-> QImage.

Frames are (H, W, 3) uint8 RGB; masks/coverage (H, W) uint8 0..255.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage

MODES = ("original", "result", "split", "mask")
MODE_LABELS = {"original": "Original", "result": "Result", "split": "Split", "mask": "Mask"}
# layer colours (RGB), by a layer's palette index: distinct hues, readable on dark and bright frames
LAYER_COLORS = ((255, 40, 90), (40, 170, 255), (255, 190, 30), (60, 220, 120), (190, 90, 255),
                (255, 120, 40), (30, 220, 220), (240, 90, 200), (160, 210, 40), (120, 140, 255))


def layer_color(index: int | None) -> tuple[int, int, int]:
    """The display colour of palette index ``index`` (wraps after the palette's 10 colours)."""
    return LAYER_COLORS[(index or 0) % len(LAYER_COLORS)]


def layer_overlay(parts, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(coverage (H, W) uint8 0..255, colours (H, W, 3) uint8) of an overlay that shows each layer
    in its own colour: ``parts`` = [(layer, (H, W) uint8 alpha), ...] bottom first (as
    ``MaskStack.layer_alphas``); where layers overlap the upper one's colour shows."""
    cov = np.zeros(shape, np.uint8)
    rgb = np.zeros((*shape, 3), np.uint8)
    for layer, a in parts:
        on = a > 0
        if on.any():
            rgb[on] = layer_color(layer.color)
            np.maximum(cov, a, out=cov)
    return cov, rgb


def compose_view(mode: str, frame: np.ndarray, result: np.ndarray | None, mask: np.ndarray | None,
                 wipe: float) -> np.ndarray:
    """The image a view mode shows: (H, W, 3) uint8. ``wipe`` in [0, 1] is the split position
    (original left of it, result right of it)."""
    if mode == "mask":
        m = mask if mask is not None else np.zeros(frame.shape[:2], np.uint8)
        return np.ascontiguousarray(np.repeat(m[:, :, None], 3, axis=2))
    if mode == "result" and result is not None:
        return result
    if mode == "split" and result is not None:
        x = int(round(wipe * frame.shape[1]))
        out = frame.copy()
        out[:, x:] = result[:, x:]
        return out
    return frame


def overlay_rgba(coverage: np.ndarray, color, opacity: float, outline: bool,
                 clip_right: int | None = None) -> np.ndarray:
    """(H, W, 4) uint8 RGBA overlay: ``color`` (an RGB tuple, or (H, W, 3) uint8 per pixel) where
    covered, alpha = coverage * opacity; in outline mode only the mask's boundary (2 px) is drawn,
    opaque. Columns >= ``clip_right`` are clear."""
    h, w = coverage.shape
    out = np.zeros((h, w, 4), np.uint8)
    if outline:
        m = (coverage >= 128).astype(np.uint8)
        edge = cv2.morphologyEx(m, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        alpha = np.where(edge, 255, 0).astype(np.uint8)
    else:
        alpha = ((coverage.astype(np.uint16) * int(round(opacity * 256))) >> 8).astype(np.uint8)
    if isinstance(color, np.ndarray):
        out[..., :3] = color
    else:
        out[..., 0], out[..., 1], out[..., 2] = color
    out[..., 3] = alpha
    if clip_right is not None:
        out[:, max(0, clip_right):, 3] = 0
    return out


def to_qimage(a: np.ndarray, copy: bool = True) -> QImage:
    """An (H, W, 3) RGB, (H, W, 4) RGBA or (H, W) grey uint8 array as a QImage. With
    ``copy=False`` the image shares the array's memory: keep the array alive while it is used."""
    a = np.ascontiguousarray(a)
    h, w = a.shape[:2]
    fmt = QImage.Format.Format_RGBA8888 if a.ndim == 3 and a.shape[2] == 4 else QImage.Format.Format_RGB888
    if a.ndim == 2:
        fmt = QImage.Format.Format_Grayscale8
    img = QImage(a.data, w, h, a.strides[0], fmt)
    return img.copy() if copy else img


def from_qimage(img: QImage) -> np.ndarray:
    """(H, W, 3) uint8 RGB copy of a QImage."""
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return arr[:, : w * 3].reshape(h, w, 3).copy()


def upscale_result(small: np.ndarray, frame: np.ndarray, mask: np.ndarray, feather_px: float = 0.0
                   ) -> np.ndarray:
    """Bring a working-size fill to the frame's size and composite it inside ``mask`` only:
    pixels where ``mask`` is 0 stay exactly ``frame``. ``small`` (h, w, 3), ``frame`` (H, W, 3),
    ``mask`` (H, W) 0/255."""
    H, W = frame.shape[:2]
    up = small if small.shape[:2] == (H, W) else cv2.resize(small, (W, H), interpolation=cv2.INTER_CUBIC)
    if feather_px > 0:
        from inpaint_core.masks.ops import feather

        a = feather(mask, feather_px)
        # feathering only inside the mask's own area keeps everything outside it bit-identical
        a = np.where(mask > 0, np.maximum(a, 0.0), 0.0)[..., None]
        return (frame * (1 - a) + up * a + 0.5).astype(np.uint8)
    out = frame.copy()
    m = mask > 0
    out[m] = up[m]
    return out
