"""The layers side panel: visibility, rename, delete, the active layer and its refinement
(expansion, feather, temporal smoothing, add/subtract mode); each layer shows its colour."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inpaint_core.masks import PaintedLayer, ShapeLayer

from ..document.mask_controller import MaskController
from .render import layer_color
from .transport import icon

MODE_TEXT = {"add": "Add", "subtract": "Subtract"}


def describe(layer) -> str:
    cut = "subtracting " if layer.mode == "subtract" else ""
    if isinstance(layer, ShapeLayer):
        end = "end" if layer.stop is None else layer.stop - 1
        return f"{cut}{layer.shape}, frames {layer.start}-{end}"
    if isinstance(layer, PaintedLayer):
        return f"{cut}painted on {len(layer.frames)} frames"
    return ""


def swatch(layer, size: int = 14) -> QIcon:
    """The layer's colour as a small square; a subtracting layer's has a minus bar across it."""
    pm = QPixmap(size, size)
    pm.fill(QColor(*layer_color(layer.color)))
    if layer.mode == "subtract":
        p = QPainter(pm)
        p.fillRect(2, size // 2 - 1, size - 4, 3, QColor(20, 20, 20))
        p.end()
    return QIcon(pm)


class LayersPanel(QWidget):
    def __init__(self, masks: MaskController, parent=None) -> None:
        super().__init__(parent)
        self.masks = masks
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget(self)
        self.list.setObjectName("layerList")
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.add_btn = QToolButton(self)
        self.add_btn.setIcon(icon("fa5s.plus"))
        self.add_btn.setToolTip("Add a paint layer")
        self.del_btn = QToolButton(self)
        self.del_btn.setIcon(icon("fa5s.trash-alt"))
        self.del_btn.setToolTip("Delete the selected layer")
        row.addWidget(self.add_btn)
        row.addWidget(self.del_btn)
        row.addStretch(1)
        lay.addLayout(row)
        grid = QGridLayout()
        self.dilation = QSpinBox(self)  # the signed expansion (its name in older projects)
        self.dilation.setObjectName("layerExpansion")
        self.dilation.setRange(-64, 64)
        self.dilation.setSuffix(" px")
        self.dilation.setToolTip("Grow (positive) or shrink (negative) the selected layer's mask by this "
                                 "many pixels")
        self.expansion = self.dilation
        self.feather = QDoubleSpinBox(self)
        self.feather.setObjectName("layerFeather")
        self.feather.setRange(0.0, 64.0)
        self.feather.setDecimals(1)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("Soft edge of the selected layer: its mask fades out over this many pixels "
                                "outside it (the fill covers the whole soft edge)")
        self.smooth = QSpinBox(self)
        self.smooth.setObjectName("layerSmooth")
        self.smooth.setRange(0, 12)
        self.smooth.setSuffix(" fr")
        self.smooth.setToolTip("Temporal smoothing: each pixel takes the majority of the layer's masks within "
                               "this many frames before and after (stops a tracked mask flickering)")
        self.mode = QComboBox(self)
        self.mode.setObjectName("layerMode")
        for m, text in MODE_TEXT.items():
            self.mode.addItem(text, m)
        self.mode.setToolTip("Add: the layer adds to the mask. Subtract: it cuts every layer below it")
        for r, (label, w) in enumerate((("Expand", self.dilation), ("Feather", self.feather),
                                        ("Smooth", self.smooth), ("Mode", self.mode))):
            grid.addWidget(QLabel(label, self), r // 2, 2 * (r % 2))
            grid.addWidget(w, r // 2, 2 * (r % 2) + 1)
        lay.addLayout(grid)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._current_changed)
        self.add_btn.clicked.connect(self._add)
        self.del_btn.clicked.connect(self._delete)
        self.dilation.valueChanged.connect(self._dilation)
        self.feather.valueChanged.connect(lambda v: self._set("feather", float(v)))
        self.smooth.valueChanged.connect(lambda v: self._set("smooth", int(v)))
        self.mode.currentIndexChanged.connect(lambda _: self._set("mode", self.mode.currentData()))
        masks.layersChanged.connect(self.refresh)
        masks.changed.connect(self._update_descriptions)
        self.refresh()

    def refresh(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        current = None
        for layer in reversed(self.masks.doc.layers):  # top layer first
            it = QListWidgetItem(layer.name)
            it.setData(Qt.ItemDataRole.UserRole, layer.id)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
            it.setToolTip(describe(layer))
            it.setIcon(swatch(layer))
            self.list.addItem(it)
            if layer.id == self.masks.active_id:
                current = it
        if current is not None:
            self.list.setCurrentItem(current)
        self.list.blockSignals(False)
        self._sync_controls()

    def _update_descriptions(self) -> None:
        for k in range(self.list.count()):
            it = self.list.item(k)
            with contextlib.suppress(KeyError):
                it.setToolTip(describe(self.masks.doc.layer(it.data(Qt.ItemDataRole.UserRole))))

    def _sync_controls(self) -> None:
        layer = self.masks.active_layer()
        self.del_btn.setEnabled(layer is not None)
        values = ((self.dilation, "dilation", 0), (self.feather, "feather", 0.0), (self.smooth, "smooth", 0))
        for w, attr, default in values:
            w.setEnabled(layer is not None)
            w.blockSignals(True)
            w.setValue(getattr(layer, attr) if layer is not None else default)
            w.blockSignals(False)
        self.mode.setEnabled(layer is not None)
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(layer.mode if layer is not None else "add"))
        self.mode.blockSignals(False)

    def _item_changed(self, it: QListWidgetItem) -> None:
        lid = it.data(Qt.ItemDataRole.UserRole)
        visible = it.checkState() == Qt.CheckState.Checked
        name = it.text().strip()
        layer = self.masks.doc.layer(lid)
        if visible != layer.visible:
            self.masks.set_layer(lid, "visible", visible)
        elif name and name != layer.name:
            self.masks.set_layer(lid, "name", name)

    def _current_changed(self, cur, _prev) -> None:
        if cur is not None:
            self.masks.active_id = cur.data(Qt.ItemDataRole.UserRole)
        self._sync_controls()

    def _add(self) -> None:
        self.masks.add_layer(self.masks.new_painted_layer("Paint"))

    def _delete(self) -> None:
        layer = self.masks.active_layer()
        if layer is not None:
            self.masks.remove_layer(layer.id)

    def _dilation(self, v: int) -> None:
        self._set("dilation", int(v))

    def _set(self, attr: str, value) -> None:
        layer = self.masks.active_layer()
        if layer is not None:
            self.masks.set_layer(layer.id, attr, value)
