"""The segment tool says so when a box gives an implausible mask (here: a box on empty wall)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.controllers.tools import TOOLS
from tests.app.conftest import open_clip
from tests.app.test_editor_segment import make_object_clip

pytestmark = pytest.mark.skipif("segment" not in TOOLS, reason="segmentation is not part of this build")


def test_box_on_nothing_shows_a_warning(qtbot, win, tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "no-models"))  # classical path
    open_clip(qtbot, win, make_object_clip(tmp_path / "obj.mp4"))
    win.acts["tool_segment"].trigger()
    vp = win.viewer.viewport()
    pos = win.viewer.mapFromScene
    with qtbot.waitSignal(win.segment.status, timeout=60000,
                          check_params_cb=lambda text: text != "Segmenting..."):
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(100, 8)))
        QTest.mouseMove(vp, pos(QPointF(115, 18)))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(130, 28)))
    text = win.status_label.text()
    assert text.startswith("Check the mask:"), text
    assert "GrabCut" in text
