"""Transport behaviour: play/pause, J/K/L shuttle, stepping, key frames, start/end and the in/out
range."""

from __future__ import annotations

import bisect
from collections.abc import Callable

import qtawesome as qta
from PySide6.QtGui import QAction

from ..document.mask_controller import MaskController
from ..document.media import MediaClip
from ..views.timeline import Timeline
from ..views.transport import PlaybackClock, TransportBar


class PlaybackController:
    """Owned by the main window. ``clip()`` and ``current()`` give the open clip and the shown frame,
    ``seek(i)`` shows frame i, ``range_moved()`` runs after the in/out marks moved (the range is part
    of the project, so the title's unsaved mark may change)."""

    def __init__(self, acts: dict[str, QAction], clock: PlaybackClock, timeline: Timeline,
                 transport: TransportBar, masks: MaskController, clip: Callable[[], MediaClip | None],
                 current: Callable[[], int], seek: Callable[[int], None], range_moved: Callable[[], None]
                 ) -> None:
        self.acts, self.clock, self.timeline, self.transport, self.masks = acts, clock, timeline, transport, masks
        self.clip, self.current, self.seek, self.range_moved = clip, current, seek, range_moved
        a = acts
        a["play"].triggered.connect(self.toggle_play)
        a["play_fwd"].triggered.connect(lambda: self.shuttle(+1))
        a["play_back"].triggered.connect(lambda: self.shuttle(-1))
        a["pause"].triggered.connect(clock.stop)
        a["step_back"].triggered.connect(lambda: self.step(-1))
        a["step_fwd"].triggered.connect(lambda: self.step(+1))
        a["prev_key"].triggered.connect(lambda: self.jump_key(-1))
        a["next_key"].triggered.connect(lambda: self.jump_key(+1))
        a["start"].triggered.connect(lambda: self.seek(0))
        a["end"].triggered.connect(self.seek_end)
        a["mark_in"].triggered.connect(lambda: self.set_in_out(self.current(), None))
        a["mark_out"].triggered.connect(lambda: self.set_in_out(None, self.current()))
        a["clear_range"].triggered.connect(self.clear_range)
        clock.frameDue.connect(self.seek)
        clock.stateChanged.connect(self._play_state)

    def seek_end(self) -> None:
        clip = self.clip()
        self.seek(clip.frame_count - 1 if clip else 0)

    def toggle_play(self) -> None:
        if self.clock.playing:
            self.clock.stop()
        elif self.clip() is not None:
            self.clock.play(self.current(), 1.0)

    def shuttle(self, direction: int) -> None:
        """J/L: play backward/forward; pressing again in the same direction doubles the speed."""
        if self.clip() is None:
            return
        sp = self.clock.speed if self.clock.playing else 0.0
        if sp * direction > 0:
            speed = max(-8.0, min(8.0, sp * 2))
        else:
            speed = float(direction)
        self.clock.play(self.current(), speed)

    def step(self, d: int) -> None:
        self.clock.stop()
        self.seek(self.current() + d)

    def jump_key(self, d: int) -> None:
        keys = self.masks.doc.key_frames()
        if not keys:
            return
        here = self.current()
        if d > 0:
            k = bisect.bisect_right(keys, here)
            if k < len(keys):
                self.seek(keys[k])
        else:
            k = bisect.bisect_left(keys, here) - 1
            if k >= 0:
                self.seek(keys[k])

    def set_in_out(self, a: int | None, b: int | None) -> None:
        """Move the in mark to ``a`` and/or the out mark to ``b`` (inclusive; None keeps one)."""
        clip = self.clip()
        if clip is None:
            return
        ia = self.timeline.in_frame if a is None else a
        ob = self.timeline.out_frame if b is None else b
        if ia > ob:  # moving one end past the other moves both
            ia, ob = (a, a) if a is not None else (b, b)
        self.timeline.set_range(ia, ob)
        self.transport.show_range(ia, ob, clip.rate)
        self.range_moved()  # the unsaved mark: the range is part of the project

    def clear_range(self) -> None:
        clip = self.clip()
        if clip is not None:
            self.set_in_out(0, clip.frame_count - 1)

    def _play_state(self, playing: bool) -> None:
        self.acts["play"].setIcon(qta.icon("fa5s.pause" if playing else "fa5s.play", color="#d8dae0"))
