"""The settings dialog: device, default engine, cache size, preview resolution (and, when the model
manager is part of this build, the model list)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QVBoxLayout,
)

from inpaint_core.settings import SCHEMA

from ..engines import engine_choices
from ..settings import EditorSettings

DEVICES = [("auto", "Automatic (GPU when available)"), ("cpu", "CPU"), ("cuda", "CUDA GPU")]


class SettingsDialog(QDialog):
    def __init__(self, settings: EditorSettings, parent=None, presenter=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.settings = settings
        lay = QVBoxLayout(self)
        box = QGroupBox("General", self)
        form = QFormLayout(box)
        self.device = QComboBox(self)
        for key, label in DEVICES:
            self.device.addItem(label, key)
        self.device.setCurrentIndex(max(0, self.device.findData(settings.device)))
        self.device.setToolTip("Where neural engines run; the classical engine always uses the CPU")
        form.addRow("Device", self.device)
        self.engine = QComboBox(self)
        for name, label, ok, reason in engine_choices():
            self.engine.addItem(label if ok else f"{label} (unavailable)", name)
            if not ok:
                self.engine.model().item(self.engine.count() - 1).setEnabled(False)
                self.engine.setItemData(self.engine.count() - 1, reason, 3)  # Qt.ToolTipRole
        self.engine.setCurrentIndex(max(0, self.engine.findData(settings.engine)))
        form.addRow("Default engine", self.engine)
        self.cache = QSpinBox(self)
        self.cache.setRange(64, 16384)
        self.cache.setSingleStep(64)
        self.cache.setSuffix(" MB")
        self.cache.setValue(settings.cache_mb)
        self.cache.setToolTip("Decoded-frame cache for scrubbing (applies to the next opened video)")
        form.addRow("Frame cache", self.cache)
        self.preview_size = QSpinBox(self)
        self.preview_size.setRange(128, 1920)
        self.preview_size.setSingleStep(32)
        self.preview_size.setSuffix(" px")
        self.preview_size.setValue(settings.preview_long_side)
        self.preview_size.setToolTip("Working size of new documents (preview and export alike): "
                                     + SCHEMA["long_side"].description)
        form.addRow("Working size", self.preview_size)
        lay.addWidget(box)
        self.models = None
        from .models_panel import ModelsPanel, models_available

        if models_available() and presenter is not None:
            self.models = ModelsPanel(presenter, self)
            lay.addWidget(self.models)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.accepted.connect(self.store)
        self.resize(520, 0)

    def store(self) -> None:
        s = self.settings
        s.device = self.device.currentData()
        if self.engine.currentData():
            s.engine = self.engine.currentData()
        s.cache_mb = self.cache.value()
        s.preview_long_side = self.preview_size.value()
        if self.models is not None:
            s.models_dir = self.models.folder.text()
