"""One document: a project made in the editor exports the same from the editor and from
``vanish export PROJECT``; the preview is the export's low-resolution stage; a saved project
reopens and saves again unchanged; a fractional rectangle covers the same pixels everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import av
import cv2
import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.controllers.tools import TOOLS
from app.main_window import MainWindow
from app.views.export_dialog import ExportRequest
from inpaint_core.cli import main as cli_main
from inpaint_core.project import Project
from tests.app.conftest import open_clip, wait_job
from tests.app.test_editor_window import drag, vp_pos


def _decoded(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _object_clip(path: Path) -> Path:
    """24 frames of 192x108: a grey noisy background with a red disc moving right 2 px per frame."""
    rng = np.random.default_rng(5)
    bg = (110 + rng.integers(-12, 12, (108, 192, 3))).astype(np.uint8)
    yy, xx = np.mgrid[0:108, 0:192]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = 192, 108, "yuv420p"
        s.options = {"crf": "10", "preset": "ultrafast"}
        for i in range(24):
            img = bg.copy()
            img[(xx - (112 + 2 * i)) ** 2 + (yy - 50) ** 2 <= 14**2] = (220, 30, 30)
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def _make_document(qtbot, win, clip_file, tmp_path, track=False):
    """Brush strokes, a fractional rectangle, a polygon, an imported bitmap, a per-frame layer, a
    layer dilation; with ``track``, also a segmentation (GrabCut) tracked through the clip."""
    open_clip(qtbot, win, clip_file)
    if track:
        win.acts["tool_segment"].trigger()
        vp, pos = win.viewer.viewport(), win.viewer.mapFromScene
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(92, 30)))
        QTest.mouseMove(vp, pos(QPointF(112, 50)))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(132, 70)))
        qtbot.waitUntil(lambda: win.segment.layer_id is not None and win.masks.doc.compose(0).any(), timeout=60000)
        assert wait_job(qtbot, win.segment.track(True), timeout=120000) == "ok", win.presenter.history
        assert len(win.masks.doc.layers[-1].frames) > 10
        win.layers.add_btn.click()  # brush strokes go to a paint layer of their own
    win.acts["tool_brush"].trigger()
    win.tool_options.size.setValue(5)
    win.tool_options.hardness.setValue(70)
    drag(win, [(30, 70), (50, 75), (70, 80)])
    win.tools.add_shape("rect", [(10.6, 20.4), (50.3, 60.7)])
    win.acts["tool_polygon"].trigger()
    vp = win.viewer.viewport()
    for x, y in [(120, 60), (170, 62), (150, 100)]:
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, x, y))
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 150, 100))
    logo = np.zeros((108, 192), np.uint8)
    logo[5:15, 160:185] = 255
    cv2.imwrite(str(tmp_path / "logo.png"), logo)
    assert wait_job(qtbot, win.mask_files.import_masks(tmp_path / "logo.png")) == "ok"
    seq = tmp_path / "track"
    seq.mkdir()
    for i in range(24):
        m = np.zeros((108, 192), np.uint8)
        cv2.circle(m, (90 + i, 30), 7, 255, -1)
        cv2.imwrite(str(seq / f"{i:05d}.png"), m)
    assert wait_job(qtbot, win.mask_files.import_masks(seq)) == "ok"
    win.masks.set_layer(win.masks.doc.layers[-1].id, "dilation", 2)
    assert len(win.masks.doc.layers) == 5 + track
    # per-layer refinement through the layers panel, and a cut: the eraser on the rectangle
    win.layers.smooth.setValue(1)  # the imported per-frame layer (still the active one)
    layers = win.masks.doc.layers
    rect = next(lay for lay in layers if getattr(lay, "shape", None) == "rect")
    poly = next(lay for lay in layers if getattr(lay, "shape", None) == "polygon")
    for lay, attr, value in ((poly, "feather", 3.0), (rect, "expansion", -1)):  # the rectangle stays active
        win.layers.list.setCurrentItem(next(win.layers.list.item(k) for k in range(win.layers.list.count())
                                            if win.layers.list.item(k).text() == lay.name))
        getattr(win.layers, attr).setValue(value)
    assert (rect.dilation, poly.feather) == (-1, 3.0)
    win.acts["tool_eraser"].trigger()
    drag(win, [(30, 10), (30, 40), (30, 70)])
    layers = win.masks.doc.layers
    cut = layers[layers.index(rect) + 1]  # just above the rectangle: it cuts only what is below
    assert len(layers) == 6 + track and cut.mode == "subtract" and cut.frames == [win.current]


def test_editor_export_equals_cli_export_of_the_saved_project(qtbot, win, clip_file, tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "no-models"))  # GrabCut segmentation
    clip_file = _object_clip(tmp_path / "object.mp4")
    _make_document(qtbot, win, clip_file, tmp_path, track="segment" in TOOLS)
    out_editor = tmp_path / "editor.mkv"
    req = ExportRequest(out_editor, "mkv", 0, 24, None, True, "both", None, 2.5)
    assert wait_job(qtbot, win.exports.start_export(req), timeout=120000) == "ok", win.presenter.history
    target = tmp_path / "doc.vanish"
    assert wait_job(qtbot, win.projects.save_project_as(target)) == "ok"
    saved = json.loads((target / "project.json").read_text())
    assert saved["settings"]["feather"] == 2.5 and saved["settings"]["export"]["format"] == "mkv"
    out_cli = tmp_path / "cli.mkv"
    assert cli_main(["export", str(target), "--out", str(out_cli)]) == 0
    a, b = _decoded(out_editor), _decoded(out_cli)
    assert len(a) == len(b) == 24
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert out_editor.read_bytes() == out_cli.read_bytes()  # FFV1: identical files
    # the export did change the marked pixels (this is not a copy of the source)
    src = _decoded(clip_file)
    assert any(not np.array_equal(x, s) for x, s in zip(a, src))


def test_fractional_rectangle_covers_the_same_columns_in_editor_and_cli(qtbot, win, clip_file, tmp_path):
    open_clip(qtbot, win, clip_file)
    win.tools.add_shape("rect", [(10.6, 20.4), (50.3, 60.7)])
    m = win.masks.doc.compose(0)
    cols = np.flatnonzero(m.any(axis=0))
    rows = np.flatnonzero(m.any(axis=1))
    assert (cols[0], cols[-1] + 1, rows[0], rows[-1] + 1) == (11, 50, 20, 61)  # 39 columns, 41 rows
    target = tmp_path / "r.vanish"
    assert wait_job(qtbot, win.projects.save_project_as(target)) == "ok"
    masks_cli = tmp_path / "masks_cli"
    out = tmp_path / "r.mkv"
    assert cli_main(["export", str(target), "--out", str(out), "--grow", "0", "--write-masks", str(masks_cli)]) == 0
    first = cv2.imread(str(sorted(masks_cli.glob("*.png"))[0]), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(first > 0, m > 0)


def test_save_reopen_save_again_is_unchanged(qtbot, win, clip_file, tmp_path, settings):
    _make_document(qtbot, win, clip_file, tmp_path)
    win.playback.set_in_out(3, 17)
    target = tmp_path / "rt.vanish"
    assert wait_job(qtbot, win.projects.save_project_as(target)) == "ok"
    ids = [lay.id for lay in win.masks.doc.layers]
    first = {p.relative_to(target): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}
    other = MainWindow(settings)
    qtbot.addWidget(other)
    other.show()
    with qtbot.waitSignal(other.frameShown, timeout=30000):
        other.open_path(target)
    assert [lay.id for lay in other.masks.doc.layers] == ids
    assert (other.timeline.in_frame, other.timeline.out_frame) == (3, 17)
    other.activateWindow()
    QTest.qWait(50)
    QTest.keyClick(other, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # save again
    qtbot.waitUntil(lambda: f"Saved {target}" in other.status_label.text(), timeout=20000)
    again = {p.relative_to(target): p.read_bytes() for p in sorted(target.rglob("*")) if p.is_file()}
    again.pop(Path("project.json.bak"))
    assert again == first
    assert [lay.id for lay in Project.load(target).layers] == ids
    other.close()


def test_preview_frame_is_the_exports_low_resolution_fill(qtbot, win, clip_file, tmp_path):
    win.settings.preview_long_side = 128  # a working size below the source's 192x108
    _make_document(qtbot, win, clip_file, tmp_path)
    with qtbot.waitSignal(win.preview.ended, timeout=120000):
        win.start_preview()
    assert len(win.preview.results) == 24
    fills = {}
    from inpaint_core.export import export_video
    from inpaint_core.jobs import run_job

    s = win.doc_settings.current()
    run_job(export_video(clip_file, win.masks.doc, tmp_path / "p2.mkv", fills=lambda i, rgb: fills.__setitem__(i, rgb),
                         **s.export_kwargs()))
    assert sorted(fills) == list(range(24))
    assert s.long_side == 128 and fills[0].shape == (72, 128, 3)
    for i in (0, 7, 23):
        pf = win.preview.results[i]
        assert pf.rgb.shape == fills[i].shape  # same working size, same canvas
        assert np.array_equal(pf.rgb, fills[i]), i
