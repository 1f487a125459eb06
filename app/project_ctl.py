"""Project behaviour of the main window: open/save/save as, autosave and crash recovery."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox

from inpaint_core.project import SUFFIX, Project

from . import project_io

AUTOSAVE_MS = int(os.environ.get("VANISH_AUTOSAVE_MS", "60000"))


class ProjectMixin:
    """Mixed into MainWindow. ``self.project`` is the open :class:`Project` or None."""

    project: Project | None = None

    def _connect_project(self) -> None:
        a = self.acts
        a["save"].triggered.connect(self.save_project)
        a["save_as"].triggered.connect(self.ask_save_as)
        a["new"].triggered.connect(self.ask_save_as)
        self._autosave = QTimer(self, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._saved_revision = -1
        QTimer.singleShot(0, self.check_recovery)

    # -- open ------------------------------------------------------------------------------------
    def open_project(self, path: str | Path, keep_project: Project | None = None):
        def loaded(proj: Project) -> None:
            doc = project_io.stack_to_doc(proj.layers, proj.frame_count)
            self._pending_project = (keep_project or proj, proj)
            self.open_video(proj.video_path, doc=doc, remember=str(project_io.project_folder(path)))

        return self.run_job(lambda tok: project_io.load_job(path, tok), "Opening project", cancellable=False,
                            on_success=loaded)

    def _project_opened(self, project: Project | None, loaded: Project) -> None:
        self.project = project
        if loaded.settings.engine:
            k = self.preview_bar.engine.findData(loaded.settings.engine)
            if k >= 0 and self.preview_bar.engine.model().item(k).isEnabled():
                self.preview_bar.engine.setCurrentIndex(k)
        self._update_title()

    # -- save ------------------------------------------------------------------------------------
    def save_project(self):
        if self.clip is None:
            return None
        if self.project is None:
            self.ask_save_as()
            return None
        return self._save_to(self.project)

    def ask_save_as(self) -> None:
        if self.clip is None:
            return
        dlg = QFileDialog(self, "Save project as", str(self.clip.path.with_suffix(SUFFIX)),
                          f"Vanish project (*{SUFFIX})")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.fileSelected.connect(self.save_project_as)
        dlg.open()

    def save_project_as(self, folder: str | Path):
        """Create a new project for the open video at ``folder`` and save the masks into it."""
        if self.clip is None:
            return None
        w, h = self.clip.size
        proj = Project.create(folder, self.clip.path, width=w, height=h, frame_count=self.clip.frame_count,
                              save=False)
        if self.project is not None:
            proj.settings = self.project.settings
        return self._save_to(proj)

    def _save_to(self, proj: Project):
        snap = self.masks.doc.snapshot()
        engine = self.preview_bar.current_engine() or "propagate"
        idx = self.masks.undo_stack.index()

        def saved(folder) -> None:
            self.project = proj
            if self.masks.undo_stack.index() == idx:
                self.masks.undo_stack.setClean()
            self.settings.add_recent(str(folder))
            self.status_label.setText(f"Saved {folder}")
            self._recovered = False
            self._drop_autosave()
            self._update_title()

        return self.run_job(lambda tok: project_io.save_job(proj, snap, engine, tok), "Saving",
                            on_success=saved)

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave(self):
        """Write a recovery copy when there are unsaved changes (on a worker thread)."""
        if self.clip is None or self.masks.undo_stack.isClean() or self._saved_revision == self.masks.doc.revision:
            return None
        snap = self.masks.doc.snapshot()
        clip, proj = self.clip, self.project
        engine = self.preview_bar.current_engine() or "propagate"
        rev = snap.revision
        return self.run_job(lambda tok: _autosave_job(clip, snap, proj, engine), "Autosave", cancellable=False,
                            on_success=lambda _f: setattr(self, "_saved_revision", rev))

    def keep_or_drop_autosave(self) -> None:
        """On close: unsaved changes go to the recovery copy (nothing is lost); else remove it."""
        if self.clip is None:
            return
        if self.masks.undo_stack.isClean() and not getattr(self, "_recovered", False):
            self._drop_autosave()
            return
        try:
            engine = self.preview_bar.current_engine() or "propagate"
            project_io.write_autosave(self.clip.path, self.clip.size, self.clip.frame_count, self.masks.doc,
                                      self.project.folder if self.project else None, engine)
        except Exception as exc:  # closing must not fail; say where the work could not be kept
            self.presenter.exception(exc, "", "Could not keep unsaved masks")

    def _drop_autosave(self) -> None:
        if self.clip is not None:
            project_io.discard_autosave(project_io.autosave_folder(self.clip.path))

    def check_recovery(self) -> QMessageBox | None:
        """Offer to recover autosaves left by a session that crashed (a non-blocking question)."""
        pending = project_io.pending_recoveries()
        if not pending:
            return None
        folder, note = pending[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          f"Vanish did not close normally. Unsaved masks for {Path(note.get('video', '')).name} "
                          "were kept. Recover them?", parent=self)
        rec = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
        box.setObjectName("recoveryDialog")

        def answered(button) -> None:
            if button is rec:
                self.recover(folder, note)
            else:
                project_io.discard_autosave(folder)

        box.buttonClicked.connect(answered)
        box.open()
        self.recovery_dialog = box
        return box

    def recover(self, folder: Path, note: dict):
        original = None
        if note.get("project"):
            try:
                original = Project.load(note["project"], verify_video=False)
            except Exception:
                original = None
        runner = self.open_project(folder, keep_project=original)
        self._recovered = True
        return runner


def _autosave_job(clip, snap, proj, engine):
    from inpaint_core.jobs import Progress

    yield Progress(0, 1, "Autosave")
    folder = project_io.write_autosave(clip.path, clip.size, clip.frame_count, snap,
                                       proj.folder if proj else None, engine)
    return folder
