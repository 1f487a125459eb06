"""Track shape: the selected rectangle or polygon follows the pixels under it, frame by frame.

With a shape selected (or active), Track forward / backward (Ctrl+Alt+Right / Left) runs
:func:`inpaint_core.segment.shapetrack.track_shape` from the playhead to the out (in) point on a
worker thread. Each tracked frame becomes a key of the shape as it arrives (drawn live, the playhead
following), the tracker's confidence goes to the timeline's strip, and the whole track is one undo
step; a stopped track keeps the keys it made. A rectangle stays a rectangle (each key is the
tracked quadrilateral's bounding box); a polygon follows the full homography.
"""

from __future__ import annotations

from inpaint_core.masks import keys as K
from inpaint_core.masks.document import SetShape, SetShapeKeys

from ..workers.runners import JobRunner
from .segment_tool import LOW_CONFIDENCE

LABEL = "Tracking shape"


def _corners(shape: str, pts) -> list[tuple[float, float]]:
    """What the tracker follows: a rectangle's 4 corners, a polygon's vertices."""
    if shape == "rect":
        (x0, y0), (x1, y1) = pts
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return [tuple(p) for p in pts]


def _exists(win, layer_id: str) -> bool:
    return any(lay.id == layer_id for lay in win.masks.doc.layers)


class ShapeTracker:
    """Owned by the main window (``win.shape_tracker``); at most one track at a time."""

    def __init__(self, win) -> None:
        self.win = win
        self.runner: JobRunner | None = None
        self.confidence: dict[int, float] = {}

    def track(self, forward: bool) -> JobRunner | None:
        """Start tracking the selected shape; None when no shape is selected (the caller then
        tracks a segmented object) or a track is already running."""
        win = self.win
        lay = win.shape_editor.layer() if win.clip is not None else None
        if lay is None:
            return None
        if self.runner is not None:
            return self.runner
        n = win.masks.doc.frame_count
        cur = win.current
        last = (lay.stop if lay.stop is not None else n) - 1
        stop = min(win.timeline.out_frame, last) if forward else max(win.timeline.in_frame, lay.start)
        if stop == cur:
            win.status_label.setText(f"Nothing to track: {lay.name} has no frames "
                                     f"{'after' if forward else 'before'} this one inside the in/out range.")
            return None
        lid, shape, clip = lay.id, lay.shape, win.clip
        start_pts = _corners(shape, lay.points_at(cur))
        old = {"keys": lay.keys, **({"rect": lay.rect} if shape == "rect" else {"points": lay.points})}
        made: dict[int, float] = {}

        def job(tok):
            from inpaint_core.segment.shapetrack import track_shape

            reader = clip.new_reader(cache_bytes=32 << 20)
            try:
                yield from track_shape(reader.frame, start_pts, cur, stop, cancel=tok)
            finally:
                reader.close()

        def event(ev) -> None:
            if not (hasattr(ev, "points") and hasattr(ev, "confidence")):
                return
            if not _exists(win, lid):  # the layer was deleted meanwhile
                return
            win.masks.doc.apply(SetShapeKeys(lid, {ev.frame: K.norm_points(shape, ev.points.tolist())}))
            made[ev.frame] = float(ev.confidence)
            self.confidence = dict(made)
            win.timeline.set_confidence(self.confidence)
            win.seek(ev.frame)  # the playhead follows the track; the shape is drawn where it went
            win.refresh_mask()

        def apply(stopped: bool) -> None:
            if made and _exists(win, lid):
                name = win.masks.doc.layer(lid).name
                win.masks.undo_stack.record(SetShape(lid, old), f"Track shape {name}" + (" (stopped)" if stopped else ""))
            low = sorted(i for i, c in made.items() if c < LOW_CONFIDENCE)
            note = (f"; {len(low)} frames of low confidence (red on the timeline), first {low[0]}: "
                    "set a key there by hand" if low else "")
            win.status_label.setText(f"Tracked the shape over {len(made)} frames"
                                     + (" (stopped)" if stopped else "") + note)
            win.refresh_mask()

        def failed(exc, tb) -> None:
            apply(True)
            win.presenter.exception(exc, tb, "Tracking the shape failed")

        runner = JobRunner(job, LABEL, win)
        runner.event.connect(event)
        runner.progress.connect(lambda p: win.job_status.report(LABEL, p, runner.cancel))
        runner.succeeded.connect(lambda _r: apply(False))
        runner.cancelledJob.connect(lambda: apply(True))
        runner.failed.connect(failed)
        runner.ended.connect(lambda: (setattr(self, "runner", None), win.job_status.end(LABEL)))
        self.runner = runner
        runner.start()
        return runner

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.cancel()


def install_tracking(win) -> None:
    """Track forward/backward (Ctrl+Alt+Right/Left) track the selected shape if there is one, else
    the object segmented with the segment tool (when segmentation is available)."""
    from .tools import TOOLS

    win.shape_tracker = ShapeTracker(win)
    win.segment = None
    if "segment" in TOOLS:
        from .segment_tool import SegmentTool

        win.segment = SegmentTool(win)
        win.tools.segment = win.segment
        win.segment.status.connect(win.status_label.setText)

    def track(forward: bool):
        runner = win.shape_tracker.track(forward)
        if runner is None and win.shape_editor.layer() is None and win.segment is not None:
            runner = win.segment.track(forward)
        return runner

    win.track = track
    win.acts["track_back"].triggered.connect(lambda: track(False))
    win.acts["track_fwd"].triggered.connect(lambda: track(True))
