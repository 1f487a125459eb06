"""Progress that tells the truth, in the real window: the export dialog's remaining time and elapsed
clock, the Result view while a preview runs, status items that leave when their job ends, and a
status message that fits."""

from __future__ import annotations

import re
import time

from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest

from app.workers.runners import JobRunner
from inpaint_core.jobs import Progress
from tests.app.conftest import open_clip, seek, wait_job
from tests.app.test_editor_window import drag

TIME = re.compile(r"\d+:\d\d")


def _slow_job(seconds: float):
    """An export-like job that reports 0 %, then works ``seconds`` without a progress event (as a
    long fill chunk does), then finishes."""

    def job(tok):
        yield Progress(0, 10, "export")
        t_end = time.monotonic() + seconds
        while time.monotonic() < t_end:
            tok.raise_if_cancelled()
            time.sleep(0.02)
        yield Progress(10, 10, "export")
        return None

    return job


def test_export_dialog_says_estimating_at_zero_and_its_clock_ticks_every_second(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    dlg = win.exports.ask_export()
    runner = JobRunner(_slow_job(3.2), "Export test", win)
    dlg.attach(runner)
    seen: list[tuple[float, str]] = []
    runner.start()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.0:
        text = dlg.eta.text()
        if not seen or seen[-1][1] != text:
            seen.append((time.monotonic() - t0, text))
        QTest.qWait(20)
    # at 0 % the remaining time is not a time
    remaining = [t.split("remaining", 1)[1] for _, t in seen]
    assert all("estimating" in r and not TIME.search(r) for r in remaining), seen
    # the elapsed clock advanced every second although no progress came
    elapsed = [(at, int(t.split()[1].split(":")[1])) for at, t in seen]
    values = [v for _, v in elapsed]
    assert values[:1] == [0] and {1, 2} <= set(values), seen
    changes = [at for (at, v), (_, prev) in zip(elapsed[1:], elapsed, strict=False) if v != prev]
    gaps = [b - a for a, b in zip([0.0, *changes], changes, strict=False)]
    assert max(gaps) < 1.5, seen
    wait_job(qtbot, runner)
    assert "Done" in dlg.stage.text()
    assert not dlg._ticker.isActive()


def test_export_dialog_estimate_from_a_fake_clock(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    dlg = win.exports.ask_export()
    now = [1000.0]
    dlg.clock = lambda: now[0]
    runner = JobRunner(_slow_job(0.0), "Export test", win)
    dlg.attach(runner)  # not started: the test plays the progress events
    dlg._progress(Progress(0, 100, "export"))
    assert "estimating" in dlg.eta.text() and "Elapsed 0:00" in dlg.eta.text()
    for k in range(1, 41):
        now[0] += 0.5
        dlg._progress(Progress(k, 100, "export"))
    # 40 frames in 20 s: 60 frames left take 30 s
    assert dlg.eta.text() == "Elapsed 0:20   remaining 0:30"
    now[0] += 10
    dlg._tick()  # a second-timer tick without progress counts down
    assert dlg.eta.text() == "Elapsed 0:30   remaining 0:20"
    runner.deleteLater()


def test_result_view_says_filling_while_the_preview_runs(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_rect"].trigger()
    drag(win, [(60, 30), (120, 70)])
    seek(qtbot, win, 12)
    win.acts["mode_result"].trigger()
    win.viewer.render_now()
    hint = win.viewer.hint_item
    assert hint.isVisible() and "press Preview" in hint.text.text()
    texts = []
    win.preview.frameFilled.connect(lambda i: (win.viewer.render_now(),
                                               texts.append((i, hint.isVisible() and hint.text.text()))))
    runner = win.start_preview()
    win.viewer.render_now()
    if win.preview.running and 12 not in win.preview.results:
        assert hint.text.text().startswith("Filling\u2026 0 of 24"), hint.text.text()
    assert wait_job(qtbot, runner, 60000) == "ok"
    # the playhead's frame is filled first; the others said how many were ready meanwhile
    assert texts and texts[0][0] == 12
    assert not any(t and "press Preview" in t for _, t in texts)
    win.viewer.render_now()
    assert not hint.isVisible()  # the frame is filled: no hint
    assert not win.job_status.isVisible()  # the preview's status item left with it


def test_status_message_is_elided_to_fit(qtbot, win):
    lab = win.status_label
    long = "GrabCut fallback (no Segment Anything checkpoint is installed: Settings > Models) " * 4
    lab.setText(long)
    QTest.qWait(10)
    shown = lab.shown()
    assert lab.text() == long and lab.toolTip() == long
    assert shown != long and shown.endswith("\u2026")
    assert QFontMetrics(lab.font()).horizontalAdvance(shown) <= lab.width()
