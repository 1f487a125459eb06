"""Queue the open project for a batch: save it, then add it to a TOML job file for ``vanish batch``.

The editor schedules nothing itself: the job file is run later with ``vanish batch JOBS.toml``
(locally or on a Dask cluster)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from inpaint_core.batch import add_to_job_file
from inpaint_core.errors import VanishError

from ..document.media import MediaClip
from ..views.errors_ui import ErrorPresenter
from .project import ProjectController


class BatchQueueController:
    """The File > Add to batch job file... action. ``parent`` holds the dialogs, ``clip()`` gives
    the open clip, ``projects`` saves the project first, ``status(text)`` reports."""

    def __init__(self, parent: QWidget, acts: dict[str, QAction], projects: ProjectController,
                 presenter: ErrorPresenter, clip: Callable[[], MediaClip | None],
                 status: Callable[[str], None]) -> None:
        self.parent, self.projects, self.presenter, self.clip, self.status = parent, projects, presenter, clip, status
        self.queue_dialog: QFileDialog | None = None
        acts["queue_batch"].triggered.connect(self.ask_queue_for_batch)

    def ask_queue_for_batch(self) -> None:
        if self.clip() is None or self.projects.project is None:
            QMessageBox.information(self.parent, "Add to batch job file",
                                    "Save the project first (File > Save project as...): a batch job "
                                    "exports a saved project.")
            return
        start = str(self.projects.project.folder.parent / "jobs.toml")
        dlg = QFileDialog(self.parent, "Add to batch job file", start, "Batch job file (*.toml)")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setOption(QFileDialog.Option.DontConfirmOverwrite, True)  # the job is appended
        dlg.setDefaultSuffix("toml")
        dlg.fileSelected.connect(self.queue_for_batch)
        self.queue_dialog = dlg
        dlg.open()

    def queue_for_batch(self, job_file: str | Path):
        """Save the project, then append it to ``job_file`` with the output ``NAME_clean.mp4`` beside the
        project folder. Returns the save runner (None when there is no saved project)."""
        if self.clip() is None or self.projects.project is None:
            return None
        proj = self.projects.project
        out = proj.folder.parent / f"{proj.folder.stem}_clean.mp4"

        def saved(_folder) -> None:
            try:
                n = add_to_job_file(job_file, proj.folder, out, {"engine": proj.settings.engine})
            except VanishError as exc:
                self.presenter.exception(exc, "", "Add to batch job file failed")
                return
            self.status(f"Queued {proj.folder.name} in {Path(job_file).name} ({n} job(s)); "
                                      f"run: vanish batch {job_file}")

        runner = self.projects.save_project()
        if runner is not None:
            runner.succeeded.connect(saved)
        return runner
