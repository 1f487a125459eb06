"""Moving a bitmap shape (an imported mask image over a frame range) as a whole: a whole-pixel
translation of its bitmap, one undoable :class:`SetBitmap` edit. Masks are (H, W) uint8, 0 = keep,
255 = remove."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MaskError
from .document import Edit, MaskDocument
from .layers import ShapeLayer, _Packed


def shift_mask(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``mask`` moved by (``dx``, ``dy``) whole pixels (right, down): (H, W) uint8 of the same
    shape; what moves past the picture's edge is cut off, what comes in is 0."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    dx, dy = int(dx), int(dy)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    out[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)] = \
        mask[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    return out


@dataclass
class SetBitmap(Edit):
    """Replace the bitmap of the bitmap shape layer ``layer_id`` by ``bitmap`` ((H, W), non-zero =
    masked); the inverse holds the old bitmap (bit-packed)."""

    layer_id: str
    bitmap: np.ndarray | _Packed | None

    def apply(self, doc: MaskDocument) -> SetBitmap:
        layer = doc.layer(self.layer_id)
        if not isinstance(layer, ShapeLayer) or layer.shape != "bitmap":
            raise MaskError(f"Layer {layer.name!r} is not a bitmap shape.")
        new = self.bitmap.unpack(layer.size) if isinstance(self.bitmap, _Packed) else self.bitmap
        if new is None:
            new = np.zeros((layer.size[1], layer.size[0]), np.uint8)
        if new.shape != (layer.size[1], layer.size[0]):
            raise MaskError(f"The new bitmap is {new.shape[1]}x{new.shape[0]}; the layer is "
                            f"{layer.size[0]}x{layer.size[1]}.")
        old = _Packed.pack(layer.bitmap)
        layer._bitmap = np.where(new > 0, 255, 0).astype(np.uint8)
        layer._bitmap_digest = None  # (MaskStack.frame_digest's cache)
        layer.invalidate()
        return SetBitmap(self.layer_id, old)

    @property
    def nbytes(self) -> int:
        if isinstance(self.bitmap, _Packed):
            return len(self.bitmap.bits)
        return 0 if self.bitmap is None else int(self.bitmap.nbytes)
