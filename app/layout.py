"""Where the main window's pieces go: tool bars, viewer over transport and timeline, layers dock,
status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .controllers.tools import TOOLS
from .views.jobstatus import JobStatus, StatusText
from .views.toolbars import PreviewBar, ToolOptions


def build_layout(self) -> None:
    """Lay out ``self`` (the MainWindow); creates ``tool_options``, ``preview_bar`` and the status
    widgets."""
    tools_bar = QToolBar("Tools", self)
    tools_bar.setObjectName("toolsBar")
    tools_bar.setMovable(False)
    for t in TOOLS:
        tools_bar.addAction(self.acts[f"tool_{t}"])
    tools_bar.addAction(self.acts["subtract_mode"])
    if "segment" in TOOLS:
        tools_bar.addAction(self.acts["track_back"])
        tools_bar.addAction(self.acts["track_fwd"])
    tools_bar.addSeparator()
    tools_bar.addAction(self.acts["undo"])
    tools_bar.addAction(self.acts["redo"])
    self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, tools_bar)
    top = QToolBar("Options", self)
    top.setObjectName("optionsBar")
    top.setMovable(False)
    top.addAction(self.acts["open"])
    top.addAction(self.acts["save"])
    top.addSeparator()
    self.tool_options = ToolOptions(self)
    top.addWidget(self.tool_options)
    top.addSeparator()
    self.preview_bar = PreviewBar(self.acts, self)
    top.addWidget(self.preview_bar)
    spacer = QWidget(self)
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    top.addWidget(spacer)
    top.addAction(self.acts["export"])
    export_btn = top.widgetForAction(self.acts["export"])
    if export_btn is not None:
        export_btn.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        export_btn.setObjectName("primaryButton")
    self.addToolBar(Qt.ToolBarArea.TopToolBarArea, top)
    bottom = QWidget(self)
    bl = QVBoxLayout(bottom)
    bl.setContentsMargins(0, 0, 0, 0)
    bl.setSpacing(0)
    bl.addWidget(self.transport)
    bl.addWidget(self.timeline_panel)
    split = QSplitter(Qt.Orientation.Vertical, self)
    split.addWidget(self.viewer)
    split.addWidget(bottom)
    split.setStretchFactor(0, 1)
    split.setCollapsible(1, False)
    self.setCentralWidget(split)
    dock = QDockWidget("Layers", self)
    dock.setObjectName("layersDock")
    dock.setWidget(self.layers)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
    dock.setMinimumWidth(240)
    self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    self.status_label = StatusText("Open a video to start (drag it onto the window).", self)
    self.job_status = JobStatus(self)
    self.job_label, self.job_bar = self.job_status.label, self.job_status.bar
    self.statusBar().addWidget(self.status_label, 1)
    self.statusBar().addPermanentWidget(self.job_status)
