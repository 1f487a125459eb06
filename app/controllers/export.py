"""Export behaviour of the main window (present only when :mod:`inpaint_core.export` is built)."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

from inpaint_core.settings import ExportSettings

from ..views.export_dialog import ExportDialog, ExportRequest
from ..workers.jobfns import export_job


def export_available() -> bool:
    try:
        return importlib.util.find_spec("inpaint_core.export.job") is not None
    except (ImportError, ValueError):
        return False


class ExportMixin:
    """Mixed into MainWindow: the Export dialog and export jobs (several may run at once)."""

    def _connect_export(self) -> None:
        self.export_dialogs: list[ExportDialog] = []
        act = self.acts["export"]
        if not export_available():
            act.setVisible(False)  # absent in builds without the export pipeline
            return
        act.triggered.connect(self.ask_export)

    def ask_export(self) -> ExportDialog | None:
        if self.clip is None:
            self.presenter.present("Export", "Open a video first: there is nothing to export yet. "
                                   "(File > Open, or drag a video onto the window.)")
            return None
        label = self.preview_bar.engine.currentText()
        dlg = ExportDialog(self, self.clip.path, self.clip.frame_count,
                           (self.timeline.in_frame, self.timeline.out_frame), self.clip.has_audio, label,
                           self.document_settings(), info=getattr(self.clip, "info", None),
                           folder=self.settings.export_dir)
        dlg.requested.connect(lambda req, d=dlg: self._export_requested(d, req))
        self.export_dialogs.append(dlg)
        dlg.show()
        return dlg

    def _export_requested(self, dlg: ExportDialog, req: ExportRequest) -> None:
        if not self.masks.doc.has_mask():
            self.presenter.present("Export", "Nothing to remove yet: paint a mask or draw a shape first.")
            return
        self.settings.export_dir = str(Path(req.out).parent)  # the next export starts there
        dlg.attach(self.start_export(req))

    def start_export(self, req: ExportRequest):
        """Run an export of the current masks (a snapshot: later edits do not affect it) with the
        document's settings and the dialog's choices, which the document keeps (and saves)."""
        snap = self.masks.doc.snapshot()
        source = self.clip.path
        end = None if req.end >= self.clip.frame_count else req.end
        choices = {"residuals": req.residuals, "format": req.fmt, "crf": req.crf, "audio": req.audio,
                   "grow": req.grow, "feather": self._doc_settings.feather if req.feather is None else req.feather}
        self._doc_settings = replace(self._doc_settings, **choices)
        settings = replace(self.document_settings(), start=req.start, end=end).validated()
        device = self.settings.device
        out = Path(req.out)
        project = getattr(self, "project", None)
        protect = [project.folder] if project is not None and getattr(project, "folder", None) else []
        return self.run_job(lambda tok: export_job(source, snap, settings, out, device, tok, protect),
                            f"Export {out.name}")

    # -- the document's settings (one schema: inpaint_core.settings) ---------------------------
    def reset_document_settings(self) -> None:
        """A new document: the schema's defaults with the editor's working-size preference."""
        self._doc_settings = ExportSettings(long_side=self.settings.preview_long_side)

    def document_settings(self) -> ExportSettings:
        """The open document's settings: engine from the engine box, range from the in/out marks."""
        engine = self.preview_bar.current_engine() or self._doc_settings.engine
        s = self._doc_settings
        if engine != s.engine:
            s = replace(s, engine=engine, engine_options={})
        if self.clip is not None:
            a, b = self.timeline.in_frame, self.timeline.out_frame + 1
            s = replace(s, start=a, end=None if b >= self.clip.frame_count else b)
        return s

    def adopt_document_settings(self, settings: ExportSettings) -> None:
        """Settings read from a project: kept, and the in/out marks restored from its range."""
        self._doc_settings = settings
        if self.clip is not None:
            end = self.clip.frame_count if settings.end is None else min(settings.end, self.clip.frame_count)
            if 0 <= settings.start < end:
                self.set_in_out(settings.start, end - 1)

    def start_export_to(self, out: str | Path, **kw):
        """Export the whole clip to ``out`` with default settings (benchmarks, scripting)."""
        req = ExportRequest(Path(out), kw.get("fmt"), kw.get("start", 0), kw.get("end", self.clip.frame_count),
                            kw.get("crf"), kw.get("audio", True), kw.get("residuals", "both"))
        return self.start_export(req)
