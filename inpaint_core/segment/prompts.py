"""One entry point for a click or a box, whichever method is available, and SAM as a track refiner.

:func:`segment_prompt` answers with SAM when a :class:`~inpaint_core.segment.sam.SamSession` is
given and with the GrabCut fallback otherwise; the result's ``method`` says which.
:class:`SamRefiner` lets :class:`~inpaint_core.segment.track.MaskTracker` refine warped masks with
SAM, prompting with the warped mask's box and its most interior point.

Images are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255; coordinates (x, y) pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import MaskError
from .firstmask import box_prompt, plausibility_warning
from .grabcut import grabcut_points
from .result import METHOD_SAM, SegmentResult, mask_box
from .sam import SamSession


def segment_prompt(image: np.ndarray, points: Sequence[Sequence[float]] | None = None,
                   labels: Sequence[int] | None = None, box: Sequence[float] | None = None,
                   session: SamSession | None = None, index: int = 0,
                   next_image: np.ndarray | None = None) -> SegmentResult:
    """Mask of the object under the clicks (``points`` with ``labels``, 1 object / 0 background)
    and/or inside ``box`` (x0, y0, x1, y1) on frame ``index`` = ``image``. Without a session a box
    goes to :func:`~inpaint_core.segment.firstmask.box_prompt` (``next_image``, the next frame, is
    passed on). The result's ``warning`` says when the mask looks implausible."""
    if not points and box is None:
        raise MaskError("give a click on the object (--point x,y) or a box around it (--box x0,y0,x1,y1)")
    if labels is None and points:
        labels = [1] * len(points)
    if session is not None:
        res = session.predict(index, points=points or None, labels=labels if points else None,
                              box=box, image=image)
    elif box is not None:  # clicks inside or beside the box are sure object / sure background
        return box_prompt(image, box, next_image, points=points or None, labels=labels if points else None)
    else:
        res = grabcut_points(image, points, labels)
    res.warning = plausibility_warning(res.mask, box)
    return res


def interior_point(mask: np.ndarray) -> tuple[int, int] | None:
    """(x, y) of the mask pixel farthest from its border, or ``None`` for an empty mask."""
    if not mask.any():
        return None
    dist = cv2.distanceTransform((mask > 0).astype(np.uint8), cv2.DIST_L2, 5)
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return int(x), int(y)


class SamRefiner:
    """Track refiner with SAM: prompts each frame with the warped mask's box and interior point.
    The frames the tracker passes must be the
    size the session's embeddings are wanted at (run the tracker with ``work_long_side=None``)."""

    method = METHOD_SAM

    def __init__(self, session: SamSession) -> None:
        self.session = session

    def begin(self, index: int, image: np.ndarray, mask: np.ndarray):
        session = self.session

        class _Track:
            def refine(self, index, image, prior, uncertain):
                box = mask_box(prior)
                pt = interior_point(prior)
                if box is None or pt is None:
                    return prior
                res = session.predict(index, points=[pt], labels=[1], box=box, multimask=False, image=image)
                return res.mask

        return _Track()
