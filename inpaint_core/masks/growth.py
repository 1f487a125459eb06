"""How the user's composed mask becomes the engine's mask (grow) and the final composite's alpha
(feather): :class:`MaskSettings`, shared by the preview, the export and the batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MaskError
from .ops import feather, grow_mask


@dataclass
class MaskSettings:
    """How the user's composed mask becomes the engine's mask and the final composite's alpha.

    ``grow``: dilation in source pixels (3x3 cross iterations) applied once to the composed mask
    before the engine sees it; None = the engine's own default. ``feather``: radius in pixels of
    the soft edge used only when compositing the fill into the source (0 = hard edge).
    """

    grow: int | None = None
    feather: float = 3.0

    def __post_init__(self) -> None:
        if self.grow is not None and self.grow < 0:
            raise MaskError(f"Grow must be 0 or more pixels, not {self.grow}.")
        if self.feather < 0:
            raise MaskError(f"Feather must be 0 or more pixels, not {self.feather}.")

    def grow_for(self, engine_default: int) -> int:
        """Dilation iterations to use with an engine whose default grow is ``engine_default``."""
        return int(engine_default if self.grow is None else self.grow)

    def engine_mask(self, mask: np.ndarray, engine_default: int = 0) -> np.ndarray:
        """Composed (H, W) 0/255 mask -> grown (H, W) uint8 0/255 mask for the engine."""
        return grow_mask(mask, self.grow_for(engine_default))

    def alpha(self, grown_mask: np.ndarray) -> np.ndarray:
        """Grown (H, W) mask -> (H, W) float32 alpha in [0, 1] for the final composite."""
        return feather(grown_mask, self.feather)
