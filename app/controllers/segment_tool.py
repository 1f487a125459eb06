"""The Segment Anything tool (present when :mod:`inpaint_core.segment` is built): left click adds
the object, right click excludes, a drag draws a box; the mask goes into a "Segment" layer on the
current frame (one undo step per prompt). "Track forward/backward" carries the user's segmented
key frames through the in/out range on a worker. Without an installed SAM checkpoint the classical
GrabCut fallback answers (the status bar says which method was used and why)."""

from __future__ import annotations

import contextlib
import importlib.util
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import QGraphicsEllipseItem

from inpaint_core.masks import PaintedLayer

from ..workers.runners import JobRunner, LatestRequestWorker

LOW_CONFIDENCE = 0.5  # tracked frames below this are marked on the timeline for re-seeding


def segment_available() -> bool:
    try:
        return importlib.util.find_spec("inpaint_core.segment.prompts") is not None
    except (ImportError, ValueError):
        return False


class _Frames:
    """A tracker frame source over a reader of its own (frames (H, W, 3) uint8)."""

    def __init__(self, reader) -> None:
        self.reader = reader

    @property
    def frame_count(self) -> int:
        return len(self.reader)

    def frame(self, i: int):
        return self.reader.frame(i)


class SegmentTool(QObject):
    """Owned by the main window; ``status(str)`` reports the method and results."""

    status = Signal(str)
    tracked = Signal(int)  # number of frames written by a track

    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self.points: list[tuple[float, float]] = []
        self.labels: list[int] = []
        self.box: tuple[float, float, float, float] | None = None
        self.frame = -1
        self.keys: set[int] = set()
        self.layer_id: int | None = None
        self._press: tuple[float, float, object] | None = None
        self._markers: list[QGraphicsEllipseItem] = []
        self._session = None
        self._session_lock = threading.Lock()
        self._session_reason = ""
        self.worker = LatestRequestWorker(self._segment, win, nice=2)
        self.worker.ready.connect(self._result)
        self.worker.error.connect(lambda k, e: win.presenter.exception(e, "", "Segmentation failed"))
        self.runner: JobRunner | None = None
        self.live: dict[int, object] = {}  # frame -> tracked mask not yet in the document
        self.confidence: dict[int, float] = {}  # frame -> the tracker's confidence, for the timeline
        self.warning = ""  # the last prompt's plausibility warning ("" when it looked right)
        win.frameShown.connect(self._sync_markers)
        win.masks.changed.connect(self._prune_confidence)

    # -- SAM or fallback (worker thread) --------------------------------------------------------
    def session(self):
        """The SAM session when a checkpoint is installed, else None (GrabCut fallback)."""
        from inpaint_core.segment import sam

        with self._session_lock:
            if self._session is None:
                av = sam.available()
                if not av.ok:
                    self._session_reason = av.reason
                    return None
                self._session = sam.SamSession.open(device=self.win.settings.device)
            return self._session

    def _segment(self, key):
        from inpaint_core.segment.prompts import segment_prompt

        frame, points, labels, box, image = key
        return segment_prompt(image, points=list(points) or None, labels=list(labels) or None, box=box,
                              session=self.session(), index=frame)

    # -- input (UI thread) -----------------------------------------------------------------------
    def press(self, x: float, y: float, button) -> None:
        if self.win.current != self.frame:
            self.reset(self.win.current)
        self._press = (x, y, button)

    def move(self, x: float, y: float) -> None:
        if self._press and self._press[2] == Qt.MouseButton.LeftButton:
            x0, y0, _ = self._press
            self.win.viewer.show_shape([(x0, y0), (x, y0), (x, y), (x0, y)], True)

    def release(self, x: float, y: float, button) -> None:
        if self._press is None:
            return
        x0, y0, b = self._press
        self._press = None
        self.win.viewer.show_shape([], False)
        if abs(x - x0) * self.win.viewer.zoom_factor() > 4 and abs(y - y0) * self.win.viewer.zoom_factor() > 4 \
                and b == Qt.MouseButton.LeftButton:
            self.box = (min(x0, x), min(y0, y), max(x0, x), max(y0, y))
        else:
            self.points.append((x, y))
            self.labels.append(0 if b == Qt.MouseButton.RightButton else 1)
            self._marker(x, y, self.labels[-1])
        self.request()

    def request(self) -> None:
        if self.win.frame_rgb is None or (not self.points and self.box is None):
            return
        self.status.emit("Segmenting...")
        self.worker.request((self.frame, tuple(self.points), tuple(self.labels), self.box, self.win.frame_rgb))

    def _marker(self, x: float, y: float, label: int) -> None:
        r = 4 / max(1e-3, self.win.viewer.zoom_factor())
        m = QGraphicsEllipseItem(x - r, y - r, 2 * r, 2 * r)
        m.setBrush(QBrush(QColor(60, 220, 120) if label else QColor(255, 70, 70)))
        m.setPen(QPen(QColor(255, 255, 255), 0))
        m.setZValue(6)
        self.win.viewer.scene().addItem(m)
        self._markers.append(m)

    def _sync_markers(self, *_args) -> None:
        """Prompt markers belong to the frame they were placed on: hidden on every other frame."""
        here = self.win.current == self.frame
        for m in self._markers:
            m.setVisible(here)

    def live_mask(self, i: int):
        """The tracked mask of frame ``i`` while its track runs ((H, W) uint8 0/255), else None."""
        return self.live.get(i)

    def _prune_confidence(self) -> None:
        """Forget the confidence of frames whose tracked mask is gone (undone, layer deleted)."""
        if not self.confidence or self.runner is not None:
            return
        frames = {}
        with contextlib.suppress(KeyError):
            if self.layer_id is not None:
                frames = self.win.masks.doc.layer(self.layer_id).frames
        kept = {i: c for i, c in self.confidence.items() if i in frames}
        if kept != self.confidence:
            self.confidence = kept
            self.win.timeline.set_confidence(kept)

    def reset(self, frame: int) -> None:
        for m in self._markers:
            self.win.viewer.scene().removeItem(m)
        self._markers.clear()
        self.points, self.labels, self.box, self.frame = [], [], None, frame

    def layer(self) -> PaintedLayer:
        doc = self.win.masks.doc
        if self.layer_id is not None:
            with contextlib.suppress(KeyError):
                lay = doc.layer(self.layer_id)
                if isinstance(lay, PaintedLayer):
                    return lay
        lay = self.win.masks.new_painted_layer("Segment")
        self.win.masks.add_layer(lay)
        self.layer_id = lay.id
        return lay

    def _result(self, key, res) -> None:
        frame, points, labels, box, _img = key
        if frame != self.frame or tuple(self.points) != points or self.box != box:
            return  # the prompt changed meanwhile; a newer answer is coming
        lay = self.layer()
        self.win.masks.set_frames(lay, {frame: res.mask}, "Segment object")
        self.keys.add(frame)
        how = "Segment Anything" if res.method == "sam" else "GrabCut fallback"
        why = f" - {self._session_reason}" if res.method != "sam" and self._session_reason else ""
        from inpaint_core.segment.prompt_check import check_prompt_mask

        # what matters first: when the status bar is narrow, the reason is what gets cut
        self.warning = check_prompt_mask(res.mask, box) or getattr(res, "warning", None) or ""
        if self.warning:
            self.status.emit(f"Check the mask: {self.warning} ({how}){why}")
        else:
            self.status.emit(f"{how}: {res.area} pixels, score {res.score:.2f}{why}")

    # -- tracking --------------------------------------------------------------------------------
    def track(self, forward: bool) -> JobRunner | None:
        """Carry the segmented key frames forward (to the out point) or backward (to the in
        point) from the current frame."""
        win = self.win
        if win.clip is None or self.layer_id is None or self.runner is not None:
            return None
        lay = self.layer()
        keys = {k: lay.mask(k) for k in sorted(self.keys) if k in lay}
        if not keys:
            win.presenter.present("Track", "Segment the object on this frame first (click on it).")
            return None
        cur = win.current
        start, stop = (cur, win.timeline.out_frame + 1) if forward else (win.timeline.in_frame, cur + 1)
        keys = {k: m for k, m in keys.items() if start <= k < stop} or {cur: keys[min(keys, key=lambda k: abs(k - cur))]}
        clip = win.clip
        results: dict = {}

        def job(tok):
            from inpaint_core.segment.prompts import SamRefiner
            from inpaint_core.segment.track import MaskTracker
            from inpaint_core.segment.vos import ObjectTracker

            reader = clip.new_reader(cache_bytes=32 << 20)
            try:
                session = self.session()
                tracker = (MaskTracker(_Frames(reader), SamRefiner(session), work_long_side=None) if session
                           else ObjectTracker(_Frames(reader)))  # classical: re-finds after occlusions
                yield from tracker.track(keys, start=start, stop=stop, cancel=tok)
            finally:
                reader.close()

        def event(ev) -> None:
            if hasattr(ev, "mask") and hasattr(ev, "confidence"):
                results[ev.index] = ev.mask
                self.confidence[ev.index] = float(ev.confidence)
                win.timeline.set_confidence(self.confidence)
                self.live = results
                win.seek(ev.index)  # the playhead follows the track: each mask appears as it is made

        label = "Track forward" if forward else "Track backward"

        def apply(stopped: bool) -> None:
            self.live = {}
            new = {i: m for i, m in results.items() if i not in self.keys}
            if new:  # a stopped track keeps the frames it made (one undo step)
                win.masks.set_frames(lay, new, label + (" (stopped)" if stopped else ""))
            self.tracked.emit(len(results))
            self.status.emit(f"Tracked {len(results)} frames" + (" (stopped)" if stopped else "")
                             + self._low_confidence_note())
            win.refresh_mask()

        runner = JobRunner(job, "Tracking", win)
        runner.event.connect(event)
        runner.progress.connect(lambda p: win.job_status.report("Tracking", p, runner.cancel))
        runner.succeeded.connect(lambda _r: apply(False))
        runner.cancelledJob.connect(lambda: apply(True))
        runner.failed.connect(lambda e, tb: (setattr(self, "live", {}),
                                             win.presenter.exception(e, tb, "Tracking failed")))
        runner.ended.connect(lambda: (setattr(self, "runner", None), win.job_status.end("Tracking")))
        self.runner = runner
        runner.start()
        return runner

    def _low_confidence_note(self) -> str:
        low = sorted(i for i, c in self.confidence.items() if c < LOW_CONFIDENCE)
        if not low:
            return ""
        return f"; {len(low)} frames of low confidence (red on the timeline), first {low[0]}: segment them again"

    def stop(self) -> None:
        self.worker.stop()
        if self.runner is not None:
            self.runner.cancel()
