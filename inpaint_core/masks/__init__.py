"""Masks: reading and writing mask images, mask layers, composition, grow and feather.

A mask is (H, W) uint8 with 0 = keep and 255 = remove. See :mod:`.io` for the reading rules and
:mod:`.layers` for layers and :class:`MaskStack`.
"""

from .io import (
    DEFAULT_THRESHOLD,
    IMAGE_SUFFIXES,
    MaskSource,
    StackMaskSource,
    list_mask_images,
    mask_from_image,
    open_masks,
    read_mask_image,
    write_mask_image,
    write_masks,
)
from .layers import Layer, MaskSettings, MaskStack, PaintedLayer, ShapeLayer, mask_digest
from .ops import binarize, feather, grow_mask, resize_mask, resize_mask_cover

__all__ = [
    "DEFAULT_THRESHOLD", "IMAGE_SUFFIXES", "Layer", "MaskSettings", "MaskSource", "MaskStack",
    "PaintedLayer", "ShapeLayer", "StackMaskSource", "binarize", "feather", "grow_mask", "list_mask_images",
    "mask_digest", "mask_from_image", "open_masks", "read_mask_image", "resize_mask",
    "resize_mask_cover", "write_mask_image", "write_masks",
]
