"""Masks that find and follow the object: Segment Anything sessions, the GrabCut fallback, tracking.

- :class:`SamSession` (:mod:`.sam`): cached per-frame SAM embeddings, background prefetch with
  cancellation, fast prompts; :func:`sam_available` says how to install a checkpoint.
- :func:`segment_prompt` (:mod:`.prompts`): a click or a box -> :class:`SegmentResult`, with SAM
  when a session is given, else the GrabCut fallback (``method`` says which).
- :func:`grabcut_box`, :func:`grabcut_points`, :func:`grabcut_refine` (:mod:`.grabcut`).
- :class:`MaskTracker` (:mod:`.track`): carries key-frame masks through a clip; a generator job
  yielding :class:`~inpaint_core.jobs.Progress` and :class:`TrackedFrame` (mask, confidence, lost).
- :func:`box_prompt`, :func:`plausibility_warning` (:mod:`.firstmask`): the classical box prompt
  (several GrabCut starts) and the implausible-mask warning.
- :class:`ObjectTracker` (:mod:`.vos`): MaskTracker's interface; stops and marks hidden frames and
  finds the object again after occlusions and exits.
- :mod:`.sam2video`: SAM 2.1 video tracking when the ``sam2`` package and a checkpoint are installed.

Nothing here loads weights or imports torch at import time.
"""

from .firstmask import box_prompt, plausibility_warning
from .grabcut import ColourCut, grabcut_box, grabcut_points, grabcut_refine
from .prompts import SamRefiner, interior_point, segment_prompt
from .result import METHOD_GRABCUT, METHOD_SAM, SegmentResult, iou, mask_box
from .sam import MODEL_TYPES, SamSession, install_hint, load_sam
from .sam import available as sam_available
from .track import GrabCutRefiner, ListFrames, MaskTracker, TrackedFrame, track_masks
from .vos import ObjectTracker

__all__ = [
    "METHOD_GRABCUT", "METHOD_SAM", "MODEL_TYPES", "ColourCut", "GrabCutRefiner", "ListFrames",
    "MaskTracker", "ObjectTracker", "SamRefiner", "SamSession", "SegmentResult", "TrackedFrame", "grabcut_box",
    "grabcut_points", "grabcut_refine", "install_hint", "interior_point", "iou", "load_sam",
    "mask_box", "sam_available", "segment_prompt", "track_masks", "box_prompt", "plausibility_warning",
]
