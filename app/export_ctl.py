"""Export behaviour of the main window (present only when :mod:`inpaint_core.export` is built)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .export_dialog import ExportDialog, ExportRequest
from .jobfns import export_job


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
        """Run an export of the current masks (a snapshot: later edits do not affect it)."""
        snap = self.masks.doc.snapshot()
        source = self.clip.path
        engine = self.preview_bar.current_engine()
        device = self.settings.device
        return self.run_job(lambda tok: export_job(source, snap, req, engine, device, tok),
                            f"Export {Path(req.out).name}")

    def start_export_to(self, out: str | Path, **kw):
        """Export the whole clip to ``out`` with default settings (benchmarks, scripting)."""
        req = ExportRequest(Path(out), kw.get("fmt"), kw.get("start", 0), kw.get("end", self.clip.frame_count),
                            kw.get("crf"), kw.get("audio", True), kw.get("residuals", "both"))
        return self.start_export(req)
