"""Transport behaviour of the main window: play/pause, J/K/L shuttle, stepping, key frames,
start/end and the in/out range."""

from __future__ import annotations

import bisect

import qtawesome as qta


class PlaybackMixin:
    """Mixed into MainWindow; uses ``self.clock``, ``self.acts``, ``self.timeline``, ``self.seek``."""

    def _connect_playback(self) -> None:
        a = self.acts
        a["play"].triggered.connect(self.toggle_play)
        a["play_fwd"].triggered.connect(lambda: self.shuttle(+1))
        a["play_back"].triggered.connect(lambda: self.shuttle(-1))
        a["pause"].triggered.connect(self.clock.stop)
        a["step_back"].triggered.connect(lambda: self.step(-1))
        a["step_fwd"].triggered.connect(lambda: self.step(+1))
        a["prev_key"].triggered.connect(lambda: self.jump_key(-1))
        a["next_key"].triggered.connect(lambda: self.jump_key(+1))
        a["start"].triggered.connect(lambda: self.seek(0))
        a["end"].triggered.connect(lambda: self.seek(self.clip.frame_count - 1 if self.clip else 0))
        a["mark_in"].triggered.connect(lambda: self.set_in_out(self.current, None))
        a["mark_out"].triggered.connect(lambda: self.set_in_out(None, self.current))
        a["clear_range"].triggered.connect(self.clear_range)
        self.clock.frameDue.connect(self.seek)
        self.clock.stateChanged.connect(self._play_state)

    def toggle_play(self) -> None:
        if self.clock.playing:
            self.clock.stop()
        elif self.clip is not None:
            self.clock.play(self.current, 1.0)

    def shuttle(self, direction: int) -> None:
        """J/L: play backward/forward; pressing again in the same direction doubles the speed."""
        if self.clip is None:
            return
        sp = self.clock.speed if self.clock.playing else 0.0
        if sp * direction > 0:
            speed = max(-8.0, min(8.0, sp * 2))
        else:
            speed = float(direction)
        self.clock.play(self.current, speed)

    def step(self, d: int) -> None:
        self.clock.stop()
        self.seek(self.current + d)

    def jump_key(self, d: int) -> None:
        keys = self.masks.doc.key_frames()
        if not keys:
            return
        if d > 0:
            k = bisect.bisect_right(keys, self.current)
            if k < len(keys):
                self.seek(keys[k])
        else:
            k = bisect.bisect_left(keys, self.current) - 1
            if k >= 0:
                self.seek(keys[k])

    def set_in_out(self, a: int | None, b: int | None) -> None:
        if self.clip is None:
            return
        ia = self.timeline.in_frame if a is None else a
        ob = self.timeline.out_frame if b is None else b
        if ia > ob:  # moving one end past the other moves both
            ia, ob = (a, a) if a is not None else (b, b)
        self.timeline.set_range(ia, ob)
        self.transport.show_range(ia, ob, self.clip.rate)
        self._update_title()  # the unsaved mark: the range is part of the project

    def clear_range(self) -> None:
        if self.clip is not None:
            self.set_in_out(0, self.clip.frame_count - 1)

    def _play_state(self, playing: bool) -> None:
        self.acts["play"].setIcon(qta.icon("fa5s.pause" if playing else "fa5s.play", color="#d8dae0"))
