"""Is a prompt's mask plausible? A warning for masks that are implausibly small (a box drawn
tightly around a dog giving a few pixels) or that cover most of the frame (the background was
taken for the object). Masks are (H, W) uint8 0/255 or bool."""

from __future__ import annotations

import numpy as np

MIN_PIXELS = 64  # below this no object is usefully masked at any frame size
MIN_FRAME_FRACTION = 0.0002  # of the frame, for a click
MIN_BOX_FRACTION = 0.05  # of the box drawn around the object
MAX_FRAME_FRACTION = 0.6  # of the frame: the background rather than an object


def check_prompt_mask(mask: np.ndarray, box: tuple[float, float, float, float] | None = None) -> str | None:
    """A sentence for the user when ``mask`` is implausible for its prompt, else None. ``box``
    (x0, y0, x1, y1) in pixels is the box the user drew, if any."""
    m = np.asarray(mask) > 0
    h, w = m.shape[:2]
    area = int(m.sum())
    frame = h * w
    if area > MAX_FRAME_FRACTION * frame:
        return (f"the mask covers {100 * area / frame:.0f} % of the frame - probably the background; "
                "right-click the background to exclude it, or draw a box around the object")
    if box is not None:
        bw, bh = max(0.0, box[2] - box[0]), max(0.0, box[3] - box[1])
        if bw * bh > 0 and area < max(MIN_PIXELS, MIN_BOX_FRACTION * bw * bh):
            return (f"only {area} pixels found inside the {bw:.0f}x{bh:.0f} box - click on the object "
                    "to add it, or draw the box a little larger")
        return None
    if area < max(MIN_PIXELS, MIN_FRAME_FRACTION * frame):
        return f"only {area} pixels found - click on the object again, or draw a box around it"
    return None
