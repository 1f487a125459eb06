"""Project behaviour of the main window: open/save/save as, "Save changes?" prompts, autosave and
crash recovery.

Never lose work: opening another file, starting a new project and quitting ask first when there
are unsaved changes (Save / Discard / Cancel); recovered work is saved only where the user says
(never into the autosave folder); the autosave is removed only after its work was saved elsewhere
or explicitly discarded. Saves run on a worker thread from an immutable snapshot: the worker builds
and writes its own :class:`Project` and the UI thread adopts it when the save succeeded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from inpaint_core.errors import ProjectError
from inpaint_core.masks.document import MaskDocument
from inpaint_core.project import DOC, SUFFIX, Project
from inpaint_core.settings import ExportSettings, SettingsError

from ..document import project_io
from ..document.mask_controller import MaskController
from ..document.media import MediaClip
from ..settings import EditorSettings
from ..views.errors_ui import ErrorPresenter
from ..views.toolbars import PreviewBar
from .document_settings import DocumentSettings

AUTOSAVE_MS = int(os.environ.get("VANISH_AUTOSAVE_MS", "60000"))
_Btn = QMessageBox.StandardButton


class ProjectController(QObject):
    """Owned by the main window. ``project`` is the open :class:`Project` or None (a video not yet
    saved as a project, or recovered work whose original project is unknown).

    ``parent`` holds the dialogs; ``clip()`` gives the open clip and ``shape_range()`` the in/out
    range as (start, stop); ``run_job(make_job, name, ...)`` runs a job on a worker thread;
    ``open_video(path, doc=, remember=)`` opens a clip with a document; ``ask_open_video()`` asks
    for a video to open (no further prompt); ``changed()`` runs when the saved state changed (the
    title's unsaved mark); ``status(text)`` reports."""

    def __init__(self, parent: QWidget, acts: dict[str, QAction], masks: MaskController,
                 doc_settings: DocumentSettings, prefs: EditorSettings, preview_bar: PreviewBar,
                 presenter: ErrorPresenter, clip: Callable[[], MediaClip | None],
                 shape_range: Callable[[], tuple[int, int]], run_job: Callable, open_video: Callable,
                 ask_open_video: Callable[[], None], changed: Callable[[], None],
                 status: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.parent_widget, self.masks, self.doc_settings, self.prefs = parent, masks, doc_settings, prefs
        self.preview_bar, self.presenter, self.clip, self.shape_range = preview_bar, presenter, clip, shape_range
        self.run_job, self.open_video, self.ask_open_video = run_job, open_video, ask_open_video
        self.changed, self.status = changed, status
        self.project: Project | None = None
        self.pending: tuple | None = None  # (project to keep, loaded project) while its video opens
        self.saved_range: tuple[int, int] | None = None
        self.saved_revision = -1
        self.recovered = False
        self.unsaved_dialog: QMessageBox | None = None
        self.save_dialog: QFileDialog | None = None
        self.recovery_dialog: QMessageBox | None = None
        acts["save"].triggered.connect(lambda: self.save_project())
        acts["save_as"].triggered.connect(lambda: self.ask_save_as())
        acts["new"].triggered.connect(self.ask_new)
        self._autosave = QTimer(self, interval=AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        QTimer.singleShot(0, self.check_recovery)

    def forget(self) -> None:
        """A plain video is being opened: no project."""
        self.project = None
        self.pending = None

    def clip_opened(self) -> None:
        """The clip of the document is open: adopt the project being opened (if any) and take the
        range as opened (a project's own, or the whole clip) as the saved one."""
        pending, self.pending = self.pending, None
        if pending is not None:
            self._project_opened(*pending)
        self.saved_range = self.shape_range()

    # -- unsaved changes -------------------------------------------------------------------------
    def has_unsaved(self) -> bool:
        """Whether the open masks hold work that is not in a saved project."""
        if self.clip() is None:
            return False
        return not self.masks.undo_stack.isClean() or self.recovered or self.range_unsaved()

    def range_unsaved(self) -> bool:
        """Whether the in/out marks moved since the clip or project was opened or last saved (the
        project keeps its range, so moving them is an edit too)."""
        saved = self.saved_range
        return self.clip() is not None and saved is not None and saved != self.shape_range()

    def confirm_unsaved(self, then, action: str = "continuing") -> QMessageBox | None:
        """Run ``then()`` now when nothing is unsaved; otherwise ask "Save changes?" (non-blocking):
        Save saves (asking where when needed) and then continues, Discard drops the unsaved work
        (and its autosave) and continues, Cancel keeps everything as it is."""
        if not self.has_unsaved():
            then()
            return None
        name = self.project.name if self.project is not None else self.clip().path.name
        box = QMessageBox(QMessageBox.Icon.Warning, "Save changes?",
                          f"The masks of {name} have unsaved changes. Save them before {action}?",
                          _Btn.Save | _Btn.Discard | _Btn.Cancel, self.parent_widget)
        box.setDefaultButton(_Btn.Save)
        box.setObjectName("unsavedDialog")

        def answered(button) -> None:
            which = box.standardButton(button)
            if which == _Btn.Save:
                self.save_project(after=then)
            elif which == _Btn.Discard:
                self.discard_changes()
                then()

        box.buttonClicked.connect(answered)
        box.open()
        self.unsaved_dialog = box
        return box

    def discard_changes(self) -> None:
        """Explicitly drop the unsaved masks: the autosave holding them goes too."""
        self._drop_autosave()
        self.masks.undo_stack.setClean()
        self.recovered = False
        if self.clip() is not None:
            self.saved_range = self.shape_range()  # the marks as they are now count as unchanged
        self.changed()

    def ask_new(self) -> None:
        """New project: choose a video (after "Save changes?" when needed)."""
        self.confirm_unsaved(self.ask_open_video, "starting a new project")

    # -- open ------------------------------------------------------------------------------------
    def open_project(self, path: str | Path, keep_project: Project | None = None, recovered: bool = False):
        """Open the project at ``path``. For recovered work (``recovered``) the window's project is
        ``keep_project`` (the user's own project, or None), never the autosave folder."""

        def loaded(proj: Project) -> None:
            doc = MaskDocument.of(proj.layers, proj.frame_count)
            self.pending = (keep_project if recovered else (keep_project or proj), proj)
            remember = None if recovered else str(project_io.project_folder(path))
            self.open_video(proj.video_path, doc=doc, remember=remember)

        return self.run_job(lambda tok: project_io.load_job(path, tok), "Opening project", cancellable=False,
                            on_success=loaded)

    def _project_opened(self, project: Project | None, loaded: Project) -> None:
        self.project = project
        try:
            self.doc_settings.adopt(ExportSettings.from_project(loaded.settings))
        except SettingsError as exc:  # keep the masks; say which setting was dropped
            self.presenter.exception(exc, "", "Project settings reset to defaults")
        if loaded.settings.engine:
            k = self.preview_bar.engine.findData(loaded.settings.engine)
            if k >= 0 and self.preview_bar.engine.model().item(k).isEnabled():
                self.preview_bar.engine.setCurrentIndex(k)
        self.changed()

    # -- save ------------------------------------------------------------------------------------
    def save_project(self, after=None):
        """Save into the open project; asks where first when there is none or the work was
        recovered. ``after()`` runs once the save succeeded."""
        if self.clip() is None:
            return None
        if self.project is None or self.recovered:
            self.ask_save_as(after)
            return None
        return self._save_to(self.project, after)

    def ask_save_as(self, after=None) -> QFileDialog | None:
        if self.clip() is None:
            return None
        start = self.project.folder if self.project is not None else self.clip().path.with_suffix(SUFFIX)
        dlg = QFileDialog(self.parent_widget, "Save project as", str(start), f"Vanish project (*{SUFFIX})")
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setObjectName("saveAsDialog")
        dlg.fileSelected.connect(lambda f: self.save_project_as(f, after))
        dlg.open()
        self.save_dialog = dlg
        return dlg

    def save_project_as(self, folder: str | Path, after=None):
        """Save the masks as the project at ``folder`` (a new one, or an existing project of this
        video, which is replaced). The autosave folder is refused."""
        if self.clip() is None:
            return None
        folder = Path(folder)
        if not folder.name.endswith(SUFFIX):
            folder = folder.with_name(folder.name + SUFFIX)
        try:
            if project_io.in_autosave_area(folder):
                raise ProjectError(f"{folder} is in the autosave folder, which Vanish empties; "
                                   "choose another place for the project.")
            clip = self.clip()
            w, h = clip.size
            if (folder / DOC).is_file():
                proj = Project.load(folder, verify_video=False)
                if proj.size != (w, h) or proj.frame_count != clip.frame_count:
                    raise ProjectError(f"{folder} is a project of another video; choose a new name.")
                proj.relink(clip.path, check_size=False)
            else:
                proj = Project.create(folder, clip.path, width=w, height=h,
                                      frame_count=clip.frame_count, save=False)
        except ProjectError as exc:
            self.presenter.exception(exc, "", "Cannot save the project")
            return None
        if self.project is not None:
            proj.settings = project_io.copy_settings(self.project.settings)
        return self._save_to(proj, after)

    def _save_to(self, proj: Project, after=None):
        snap = self.masks.doc.snapshot()
        idx = self.masks.undo_stack.changes()
        rng = self.shape_range()  # the range the target below holds
        target = project_io.SaveTarget.of(proj, self.doc_settings.current())

        def saved(new_project: Project) -> None:
            self.project = new_project
            unchanged = self.masks.undo_stack.changes() == idx
            self.saved_range = rng
            if unchanged and not self.range_unsaved():
                self.masks.undo_stack.setClean()
                self.recovered = False
                self._drop_autosave()  # its work is now safely in the project
            self.prefs.add_recent(str(new_project.folder))
            self.status(f"Saved {new_project.folder}")
            self.changed()
            if after is not None:
                after()

        return self.run_job(lambda tok: project_io.save_job(target, snap, tok), "Saving", on_success=saved)

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave(self):
        """Write a recovery copy when there are unsaved changes (on a worker thread)."""
        if self.clip() is None or not self.has_unsaved():
            return None
        key = (self.masks.doc.revision, self.shape_range())  # a moved in/out mark is a change too
        if self.saved_revision == key:
            return None
        snap = self.masks.doc.snapshot()
        clip, proj = self.clip(), self.project
        engine = self.doc_settings.current()
        return self.run_job(lambda tok: _autosave_job(clip, snap, proj, engine), "Autosave", cancellable=False,
                            on_success=lambda _f: setattr(self, "saved_revision", key))

    def keep_or_drop_autosave(self) -> None:
        """On close: unsaved changes (a close that skipped the prompt) go to the recovery copy;
        with nothing unsaved the autosave is removed, so a clean quit is never seen as a crash."""
        if self.clip() is None:
            return
        if not self.has_unsaved():
            self._drop_autosave()
            return
        try:
            engine = self.doc_settings.current()
            clip = self.clip()
            project_io.write_autosave(clip.path, clip.size, clip.frame_count,
                                      self.masks.doc.snapshot(),
                                      self.project.folder if self.project else None, engine)
        except Exception as exc:  # closing must not fail; say where the work could not be kept
            self.presenter.exception(exc, "", "Could not keep unsaved masks")

    def _drop_autosave(self) -> None:
        if self.clip() is not None:
            project_io.discard_autosave(project_io.autosave_folder(self.clip().path))

    def check_recovery(self) -> QMessageBox | None:
        """Offer to recover autosaves left by a session that crashed (a non-blocking question)."""
        pending = project_io.pending_recoveries()
        if not pending:
            return None
        folder, note = pending[0]
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          f"Vanish did not close normally. Unsaved masks for {Path(note.get('video', '')).name} "
                          "were kept. Recover them?", parent=self.parent_widget)
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
        """Open the recovered masks; the next save asks where (default: the user's own project)."""
        original = None
        if note.get("project"):
            try:
                original = Project.load(note["project"], verify_video=False)
            except Exception:
                original = None
        runner = self.open_project(folder, keep_project=original, recovered=True)
        self.recovered = True
        return runner


def _autosave_job(clip, snap, proj, engine):
    from inpaint_core.jobs import Progress

    yield Progress(0, 1, "Autosave")
    folder = project_io.write_autosave(clip.path, clip.size, clip.frame_count, snap,
                                       proj.folder if proj else None, engine)
    return folder
