"""Export from the editor (present only when :mod:`inpaint_core.export` is built): the Export
dialog and export jobs (several may run at once)."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from inpaint_core.project import Project

from ..document.mask_controller import MaskController
from ..document.media import MediaClip
from ..settings import EditorSettings
from ..views.errors_ui import ErrorPresenter
from ..views.export_dialog import ExportDialog, ExportRequest
from ..views.timeline import Timeline
from ..views.toolbars import PreviewBar
from ..workers.jobfns import export_job
from .document_settings import DocumentSettings


def export_available() -> bool:
    try:
        return importlib.util.find_spec("inpaint_core.export.job") is not None
    except (ImportError, ValueError):
        return False


class ExportController:
    """``parent`` holds the dialogs, ``clip()`` and ``project()`` give the open clip and project,
    ``run_job(make_job, name)`` runs a job on a worker thread and returns its runner."""

    def __init__(self, parent: QWidget, acts: dict[str, QAction], masks: MaskController,
                 doc_settings: DocumentSettings, prefs: EditorSettings, preview_bar: PreviewBar,
                 timeline: Timeline, presenter: ErrorPresenter, clip: Callable[[], MediaClip | None],
                 project: Callable[[], Project | None], run_job: Callable) -> None:
        self.parent, self.masks, self.doc_settings, self.prefs = parent, masks, doc_settings, prefs
        self.preview_bar, self.timeline, self.presenter = preview_bar, timeline, presenter
        self.clip, self.project, self.run_job = clip, project, run_job
        self.export_dialogs: list[ExportDialog] = []
        act = acts["export"]
        if not export_available():
            act.setVisible(False)  # absent in builds without the export pipeline
            return
        act.triggered.connect(self.ask_export)

    def ask_export(self) -> ExportDialog | None:
        clip = self.clip()
        if clip is None:
            self.presenter.present("Export", "Open a video first: there is nothing to export yet. "
                                   "(File > Open, or drag a video onto the window.)")
            return None
        label = self.preview_bar.engine.currentText()
        dlg = ExportDialog(self.parent, clip.path, clip.frame_count,
                           (self.timeline.in_frame, self.timeline.out_frame), clip.has_audio, label,
                           self.doc_settings.current(), info=getattr(clip, "info", None),
                           folder=self.prefs.export_dir)
        dlg.requested.connect(lambda req, d=dlg: self._export_requested(d, req))
        self.export_dialogs.append(dlg)
        dlg.show()
        return dlg

    def _export_requested(self, dlg: ExportDialog, req: ExportRequest) -> None:
        if not self.masks.doc.has_mask():
            self.presenter.present("Export", "Nothing to remove yet: paint a mask or draw a shape first.")
            return
        self.prefs.export_dir = str(Path(req.out).parent)  # the next export starts there
        dlg.attach(self.start_export(req))

    def start_export(self, req: ExportRequest):
        """Run an export of the current masks (a snapshot: later edits do not affect it) with the
        document's settings and the dialog's choices, which the document keeps (and saves)."""
        clip = self.clip()
        snap = self.masks.doc.snapshot()
        source = clip.path
        end = None if req.end >= clip.frame_count else req.end
        feather = self.doc_settings.stored.feather if req.feather is None else req.feather
        blend = self.doc_settings.stored.blend if req.blend is None else req.blend
        self.doc_settings.choose(residuals=req.residuals, format=req.fmt, crf=req.crf, audio=req.audio,
                                 grow=req.grow, feather=feather, blend=blend)
        settings = replace(self.doc_settings.current(), start=req.start, end=end).validated()
        device = self.prefs.device
        out = Path(req.out)
        project = self.project()
        protect = [project.folder] if project is not None and getattr(project, "folder", None) else []
        return self.run_job(lambda tok: export_job(source, snap, settings, out, device, tok, protect),
                            f"Export {out.name}")

    def start_export_to(self, out: str | Path, **kw):
        """Export the whole clip to ``out`` with default settings (benchmarks, scripting)."""
        req = ExportRequest(Path(out), kw.get("fmt"), kw.get("start", 0), kw.get("end", self.clip().frame_count),
                            kw.get("crf"), kw.get("audio", True), kw.get("residuals", "both"))
        return self.start_export(req)
