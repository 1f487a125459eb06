"""Toolbars: tool options (brush size, hardness, overlay) and the preview bar (engine, view mode)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)
from superqt import QLabeledSlider

from ..engines import engine_choices
from .render import MODES


def _slider(lo: int, hi: int, val: int, width: int = 130) -> QLabeledSlider:
    s = QLabeledSlider(Qt.Orientation.Horizontal)
    s.setRange(lo, hi)
    s.setValue(val)
    s.setFixedWidth(width)
    return s


class ToolOptions(QWidget):
    """Brush size and hardness, overlay colour and opacity."""

    colorChanged = Signal(tuple)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(6)
        lay.addWidget(QLabel("Size", self))
        self.size = _slider(1, 300, 20)
        self.size.setToolTip("Brush radius in video pixels ([ and ] change it)")
        lay.addWidget(self.size)
        lay.addWidget(QLabel("Hardness", self))
        self.hardness = _slider(0, 100, 80, 110)
        self.hardness.setToolTip("100 = hard edge; lower values paint a soft falloff")
        lay.addWidget(self.hardness)
        lay.addSpacing(12)
        lay.addWidget(QLabel("Overlay", self))
        self.color_btn = QToolButton(self)
        self.color_btn.setToolTip("Overlay colour of a mask being tracked (each layer shows in its own colour)")
        self.color_btn.setFixedSize(22, 22)
        self.color_btn.clicked.connect(self._pick)
        lay.addWidget(self.color_btn)
        self.opacity = _slider(5, 100, 50, 110)
        self.opacity.setToolTip("Overlay opacity (%)")
        lay.addWidget(self.opacity)
        self.set_color((255, 40, 90))

    def set_color(self, rgb: tuple[int, int, int]) -> None:
        self.color = tuple(rgb)
        self.color_btn.setStyleSheet(f"background: rgb{self.color}; border: 1px solid #888; border-radius: 3px;")

    def _pick(self) -> None:
        dlg = QColorDialog(QColor(*self.color), self)
        dlg.colorSelected.connect(lambda c: (self.set_color((c.red(), c.green(), c.blue())),
                                             self.colorChanged.emit(self.color)))
        dlg.open()


class PreviewBar(QWidget):
    """Engine choice (unavailable engines are listed, disabled, with their reason) and view mode
    buttons bound to the window's mode actions."""

    engineChosen = Signal(str)

    def __init__(self, actions: dict, parent=None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.setSpacing(4)
        for m in MODES:
            b = QToolButton(self)
            b.setDefaultAction(actions[f"mode_{m}"])
            b.setObjectName("modeButton")
            lay.addWidget(b)
        lay.addSpacing(14)
        lay.addWidget(QLabel("Engine", self))
        self.engine = QComboBox(self)
        self.engine.setMinimumWidth(220)
        lay.addWidget(self.engine)
        self.preview_btn = QToolButton(self)
        self.preview_btn.setDefaultAction(actions["preview"])
        self.preview_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.preview_btn.setObjectName("primaryButton")
        lay.addWidget(self.preview_btn)
        self.stop_btn = QToolButton(self)
        self.stop_btn.setDefaultAction(actions["cancel_preview"])
        lay.addWidget(self.stop_btn)
        self.engine.currentIndexChanged.connect(self._chosen)
        self.reasons: dict[str, str] = {}

    def populate(self, current: str) -> None:
        self.engine.blockSignals(True)
        self.engine.clear()
        model = self.engine.model()
        for name, label, ok, reason in engine_choices():
            self.engine.addItem(label if ok else f"{label} (unavailable)", name)
            idx = self.engine.count() - 1
            if not ok:
                self.reasons[name] = reason
                model.item(idx).setEnabled(False)
                self.engine.setItemData(idx, reason, Qt.ItemDataRole.ToolTipRole)
            else:
                self.engine.setItemData(idx, label, Qt.ItemDataRole.ToolTipRole)
        k = self.engine.findData(current)
        if k < 0 or not model.item(k).isEnabled():
            k = next((j for j in range(self.engine.count()) if model.item(j).isEnabled()), 0)
        self.engine.setCurrentIndex(k)
        self.engine.blockSignals(False)

    def current_engine(self) -> str:
        return self.engine.currentData()

    def _chosen(self, _i: int) -> None:
        name = self.engine.currentData()
        if name:
            self.engineChosen.emit(name)
