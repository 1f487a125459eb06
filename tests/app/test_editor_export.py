"""Exports from the editor: a real file with the right frames, audio and pixels, run beside a
preview, from the dialog, and cancelled."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.app.conftest import open_clip, wait_job

pytest.importorskip("inpaint_core.export.job", reason="the export pipeline is not part of this build")

from app.views.export_dialog import ExportRequest  # noqa: E402

RECT = (60, 30, 110, 70)  # x0, y0, x1, y1 of the masked rectangle


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return 0.0
        s = c.streams.audio[0]
        n = sum(f.samples for f in c.decode(audio=0))
        return n / s.rate


def psnr(a, b) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def masked_window(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    x0, y0, x1, y1 = RECT
    win.tools.add_shape("rect", [(x0, y0), (x1, y1)])
    k = win.preview_bar.engine.findData("telea")
    win.preview_bar.engine.setCurrentIndex(k)


def check_export(out: Path, src: list[np.ndarray], frames: range, audio: bool, min_psnr: float):
    got = decode(out)
    assert len(got) == len(frames)
    x0, y0, x1, y1 = RECT
    inside = np.zeros(got[0].shape[:2], bool)
    inside[y0:y1, x0:x1] = True
    near = np.zeros_like(inside)
    near[y0 - 12 : y1 + 12, x0 - 12 : x1 + 12] = True
    for k, i in enumerate(frames):
        diff = np.abs(got[k].astype(int) - src[i].astype(int)).mean(axis=2)
        assert diff[inside].mean() > 8, (i, diff[inside].mean())  # filled
        assert psnr(got[k][~near], src[i][~near]) >= min_psnr  # untouched outside (codec tolerance)
    if audio:
        assert abs(audio_seconds(out) - len(frames) / 24) < 0.08
    else:
        assert audio_seconds(out) == 0.0


def test_export_to_file_frames_audio_pixels(qtbot, win, clip_file, tmp_path):
    masked_window(qtbot, win, clip_file)
    src = decode(clip_file)
    out = tmp_path / "out.mkv"  # lossless: outside the mask the pixels must be exactly the source's
    runner = win.exports.start_export(ExportRequest(out, None, 0, 24, None, True, "both"))
    assert wait_job(qtbot, runner, timeout=240000) == "ok", win.presenter.history
    check_export(out, src, range(24), audio=True, min_psnr=99.0)


def test_export_dialog_range_and_open_folder(qtbot, win, clip_file, tmp_path, monkeypatch):
    masked_window(qtbot, win, clip_file)
    win.playback.set_in_out(4, 15)
    dlg = win.exports.ask_export()
    assert dlg.isVisible() and dlg.ranged.isChecked()
    dlg.format.setCurrentIndex(dlg.format.findData("mkv"))
    assert not dlg.crf.isEnabled() and dlg.path.text().endswith(".mkv")  # lossless: no quality
    dlg.format.setCurrentIndex(dlg.format.findData("mp4"))
    out = tmp_path / "range.mp4"
    dlg.path.setText(str(out))
    dlg.auto_quality.setChecked(False)
    dlg.crf.setValue(10)
    dlg.export_btn.click()
    assert dlg.runner is not None
    runner = dlg.runner
    # the user keeps editing while it runs
    win.tools.add_shape("rect", [(5, 5), (20, 20)])
    assert wait_job(qtbot, runner, timeout=240000) == "ok", win.presenter.history
    assert dlg.open_btn.isVisible() and "12 frames" in dlg.stage.text()
    opened = []
    monkeypatch.setattr("app.views.export_dialog.QDesktopServices.openUrl", lambda url: opened.append(url) or True)
    dlg.open_folder()
    assert opened and Path(opened[0].toLocalFile()) == tmp_path
    check_export(out, decode(clip_file), range(4, 16), audio=True, min_psnr=30.0)
    dlg.close()


def test_export_and_preview_together(qtbot, win, clip_file, tmp_path):
    masked_window(qtbot, win, clip_file)
    out = tmp_path / "together.mp4"
    exp = win.exports.start_export(ExportRequest(out, None, 0, 24, None, False, "none"))
    prev = win.start_preview()
    assert wait_job(qtbot, prev, timeout=240000) == "ok"
    assert wait_job(qtbot, exp, timeout=240000) == "ok", win.presenter.history
    assert sorted(win.preview.results) == list(range(24))
    assert len(decode(out)) == 24


def test_cancelled_export_leaves_nothing(qtbot, win, clip_file, tmp_path):
    masked_window(qtbot, win, clip_file)
    out = tmp_path / "cancel.mp4"
    runner = win.exports.start_export(ExportRequest(out, None, 0, 24, None, True, "both"))
    runner.cancel()
    assert wait_job(qtbot, runner, timeout=120000) == "cancelled"
    assert not out.exists()
    assert win.presenter.history == []


def test_export_dialog_defaults_to_match_source_and_says_what_is_kept(qtbot, win, clip_file, tmp_path):
    masked_window(qtbot, win, clip_file)
    dlg = win.exports.ask_export()
    assert dlg.format.currentData() == "match" and dlg.request().fmt is None
    assert dlg.path.text().endswith(Path(clip_file).suffix)
    assert dlg.keeps.text().startswith("Keeps: ") and "colour tags" in dlg.keeps.text()
    dlg.format.setCurrentIndex(dlg.format.findData("png"))
    assert dlg.request().fmt == "png"
    dlg.format.setCurrentIndex(dlg.format.findData("match"))
    assert dlg.request().fmt is None
    dlg.close()


def test_export_into_the_open_project_is_refused(qtbot, win, clip_file, tmp_path):
    """The editor's export holds the same output-safety rule as the CLI: the open project's own
    folder is never an export target (a PNG folder export into it would replace its masks)."""
    masked_window(qtbot, win, clip_file)
    folder = tmp_path / "p.vanish"
    assert wait_job(qtbot, win.projects.save_project_as(folder)) == "ok"
    before = sorted(p.relative_to(folder) for p in folder.rglob("*"))
    runner = win.exports.start_export(ExportRequest(folder / "masks", "png", 0, 24, None, False, "none"))
    assert wait_job(qtbot, runner, timeout=60000) == "failed"
    assert win.presenter.history and "p.vanish" in str(win.presenter.history[-1])
    assert sorted(p.relative_to(folder) for p in folder.rglob("*")) == before


def test_export_dialog_smooth_blend_is_chosen_kept_and_changes_only_the_hole(qtbot, win, clip_file, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    masked_window(qtbot, win, clip_file)
    win.playback.set_in_out(0, 7)
    dlg = win.exports.ask_export()
    assert dlg.blend.currentData() == "auto" and dlg.blend.isEnabled()  # the schema's default
    dlg.activateWindow()  # the keys go to the dialog, as when a user works in it
    qtbot.waitUntil(dlg.isActiveWindow, timeout=3000)
    dlg.residuals.setFocus()
    QTest.keyClick(dlg.residuals, Qt.Key.Key_Down)  # Temporal only: the blend needs both residuals
    assert dlg.residuals.currentData() == "temporal" and not dlg.blend.isEnabled()
    QTest.keyClick(dlg.residuals, Qt.Key.Key_Up)
    assert dlg.blend.isEnabled()
    dlg.blend.setFocus()
    QTest.keyClick(dlg.blend, Qt.Key.Key_Down)
    assert dlg.blend.currentData() == "off" and dlg.request().blend == "off"
    dlg.format.setCurrentIndex(dlg.format.findData("mkv"))  # lossless: outside must match exactly
    off = tmp_path / "off.mkv"
    dlg.path.setText(str(off))
    dlg.export_btn.click()
    assert wait_job(qtbot, dlg.runner, timeout=240000) == "ok", win.presenter.history
    dlg.close()
    assert win.exports.doc_settings.stored.blend == "off"  # the document keeps the choice
    assert win.exports.ask_export().blend.currentData() == "off"  # and the next dialog shows it
    auto = tmp_path / "auto.mkv"
    runner = win.exports.start_export(ExportRequest(auto, None, 0, 8, None, False, "both", blend="auto"))
    assert wait_job(qtbot, runner, timeout=240000) == "ok", win.presenter.history
    a, b = decode(auto), decode(off)
    assert len(a) == len(b) == 8
    x0, y0, x1, y1 = RECT
    near = np.zeros(a[0].shape[:2], bool)
    near[y0 - 12 : y1 + 12, x0 - 12 : x1 + 12] = True
    inside = np.abs(np.stack(a).astype(int) - np.stack(b).astype(int))[:, y0:y1, x0:x1]
    assert inside.mean() > 0.5  # the blend changed the fill
    assert all(np.array_equal(p[~near], q[~near]) for p, q in zip(a, b, strict=True))  # nothing else
