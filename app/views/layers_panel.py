"""The layers side panel: visibility, rename, delete, dilation and the active layer."""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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
from .transport import icon


def describe(layer) -> str:
    if isinstance(layer, ShapeLayer):
        end = "end" if layer.stop is None else layer.stop - 1
        return f"{layer.shape}, frames {layer.start}-{end}"
    if isinstance(layer, PaintedLayer):
        return f"painted on {len(layer.frames)} frames"
    return ""


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
        row.addWidget(QLabel("Dilation", self))
        self.dilation = QSpinBox(self)
        self.dilation.setRange(0, 64)
        self.dilation.setSuffix(" px")
        self.dilation.setToolTip("Grow the selected layer's mask by this many pixels")
        row.addWidget(self.dilation)
        lay.addLayout(row)
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentItemChanged.connect(self._current_changed)
        self.add_btn.clicked.connect(self._add)
        self.del_btn.clicked.connect(self._delete)
        self.dilation.valueChanged.connect(self._dilation)
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
            it.setIcon(icon("fa5s.paint-brush" if isinstance(layer, PaintedLayer) else "fa5s.vector-square"))
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
        self.dilation.setEnabled(layer is not None)
        self.dilation.blockSignals(True)
        self.dilation.setValue(layer.dilation if layer is not None else 0)
        self.dilation.blockSignals(False)

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
        layer = self.masks.active_layer()
        if layer is not None:
            self.masks.set_layer(layer.id, "dilation", int(v))
