"""The editor window, the composition root: it makes the views (``views/``), the document
(``document/``), the controllers (``controllers/``, each given explicit references to what it
needs) and the job runners (``workers/``), and connects them. Behaviour lives in the controllers."""

from __future__ import annotations

import atexit
import sys

from . import _qtfix

_qtfix.apply()  # before any Qt object is used (see the module)

# ruff: noqa: E402
from pathlib import Path

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
)

from inpaint_core.masks.document import MaskDocument

from .actions import build_actions, build_menus
from .controllers.batch_queue import BatchQueueController
from .controllers.document_settings import DocumentSettings
from .controllers.export import ExportController
from .controllers.mask_files import MaskFilesController
from .controllers.playback import PlaybackController
from .controllers.preview import PreviewController
from .controllers.project import ProjectController
from .controllers.tools import ToolController
from .document.mask_controller import MaskController
from .document.media import MediaClip, open_clip
from .document.project_io import is_project
from .document.recent import is_autosave, recent_labels
from .layout import build_layout
from .settings import EditorSettings
from .views.errors_ui import ErrorPresenter
from .views.layers_panel import LayersPanel
from .views.render import layer_overlay, to_qimage
from .views.timeline import THUMB_H, TimelinePanel
from .views.transport import PlaybackClock, TransportBar
from .views.viewer import FrameView
from .workers.runners import JobRunner, LatestRequestWorker, QueueWorker

_ORPHANS: list = []  # threads still finishing after their window closed


@atexit.register
def _wait_orphans() -> None:
    for t in _ORPHANS:
        t.cancel()
        t.wait(60000)

VIDEO_FILTER = "Video or project (*.mp4 *.mov *.mkv *.webm *.avi *.m4v *.json);;All files (*)"


class MainWindow(QMainWindow):
    """Signals: ``clipOpened()`` after a video is ready, ``frameShown(int)`` after a frame is on
    screen (tests wait on these)."""

    clipOpened = Signal()
    frameShown = Signal(int)

    def __init__(self, settings: EditorSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        sys.setswitchinterval(0.002)  # hand the GIL back to the UI thread sooner than 5 ms
        self.settings = settings or EditorSettings()
        if self.settings.models_dir:
            from .views.models_panel import apply_models_dir

            apply_models_dir(self.settings.models_dir)
        self.presenter = ErrorPresenter(self)
        self.clip: MediaClip | None = None
        self.current = 0
        self.frame_rgb = None
        self.jobs: list[JobRunner] = []
        self._decoder: LatestRequestWorker | None = None
        self._thumbs: QueueWorker | None = None
        self.masks = MaskController(MaskDocument((1, 1), 0), self)
        self.preview = PreviewController(self)
        self.clock = PlaybackClock(self)
        self.viewer = FrameView(self)
        self.timeline_panel = TimelinePanel(self)
        self.timeline = self.timeline_panel.timeline
        self.acts = build_actions(self)
        self.menus = build_menus(self, self.acts)
        self.transport = TransportBar(self.acts, self)
        self.tools = ToolController(self.viewer, self.masks, lambda: self.current, self.shape_range, self)
        self.layers = LayersPanel(self.masks, self)
        build_layout(self)
        self._make_controllers()
        self._connect()
        from .views.help import install_help  # Help menu, shortcuts sheet on "?"
        from .views.welcome import install_welcome  # over the viewer until a clip opens

        install_help(self)
        self.welcome = install_welcome(self)
        from .views.focus import install_focus_rules  # the transport keys work after any panel click

        install_focus_rules(self)
        from .controllers.shape_edit import install_shape_editing  # select, handles, layer bar, key frames

        install_shape_editing(self)
        self.preview_bar.populate(self.settings.engine)
        self.menus["recent"].aboutToShow.connect(self._fill_recent)
        self.setAcceptDrops(True)
        self.resize(1440, 900)
        self._update_title()
        self._update_enabled()

    # -- composition -----------------------------------------------------------------------------
    def _clip(self) -> MediaClip | None:
        return self.clip

    def _make_controllers(self) -> None:
        """The window's behaviour, each piece with explicit references to what it uses."""
        clip, status = self._clip, self.status_label.setText
        self.playback = PlaybackController(self.acts, self.clock, self.timeline, self.transport, self.masks,
                                           clip, lambda: self.current, self.seek, self._update_title)
        self.doc_settings = DocumentSettings(self.settings, self.preview_bar, self.timeline, clip,
                                             self.playback.set_in_out)
        self.projects = ProjectController(self, self.acts, self.masks, self.doc_settings, self.settings,
                                          self.preview_bar, self.presenter, clip, self.shape_range,
                                          self.run_job, self.open_video, self.ask_open_video,
                                          self._update_title, status)
        self.mask_files = MaskFilesController(self, self.acts, self.masks, clip, self.run_job, status)
        self.exports = ExportController(self, self.acts, self.masks, self.doc_settings, self.settings,
                                        self.preview_bar, self.timeline, self.presenter, clip,
                                        lambda: self.projects.project, self.run_job)
        self.batch = BatchQueueController(self, self.acts, self.projects, self.presenter, clip, status)

    def _connect(self) -> None:
        a = self.acts
        a["open"].triggered.connect(self.ask_open)
        a["quit"].triggered.connect(self.close)
        a["settings"].triggered.connect(self.show_settings)
        a["undo"].triggered.connect(self.masks.undo_stack.undo)
        a["redo"].triggered.connect(self.masks.undo_stack.redo)
        self.masks.undo_stack.canUndoChanged.connect(a["undo"].setEnabled)
        self.masks.undo_stack.canRedoChanged.connect(a["redo"].setEnabled)
        self.masks.undo_stack.cleanChanged.connect(self._update_title)
        a["undo"].setEnabled(False)
        a["redo"].setEnabled(False)
        self.masks.changed.connect(self._masks_changed)
        self.masks.undo_stack.trimmed.connect(lambda n: self.status_label.setText(
            f"Undo history full: the oldest {n} steps were dropped to stay within memory."))
        self.tools.maskPainted.connect(self.refresh_mask)
        self._tool_group.triggered.connect(lambda act: self.tools.set_tool(act.data()))
        self._mode_group.triggered.connect(lambda act: self.set_mode(act.data()))
        self.tool_options.size.valueChanged.connect(self.tools.set_radius)
        self.tool_options.hardness.valueChanged.connect(lambda v: self.tools.set_hardness(v / 100))
        self.tool_options.opacity.valueChanged.connect(lambda v: self.viewer.set_overlay(opacity=v / 100))
        self.tool_options.colorChanged.connect(lambda c: self.viewer.set_overlay(color=c))
        a["overlay"].toggled.connect(lambda v: self.viewer.set_overlay(visible=v))
        a["subtract_mode"].toggled.connect(lambda v: self.masks.set_draw_mode("subtract" if v else "add"))
        a["outline"].toggled.connect(lambda v: self.viewer.set_overlay(outline=v))
        a["zoom_in"].triggered.connect(lambda: self.viewer.zoom_by(1.25))
        a["zoom_out"].triggered.connect(lambda: self.viewer.zoom_by(0.8))
        a["fit"].triggered.connect(self.viewer.fit)
        a["actual"].triggered.connect(self.viewer.actual_size)
        a["preview"].triggered.connect(self.start_preview)
        a["cancel_preview"].triggered.connect(self.preview.cancel)
        a["clear_frame"].triggered.connect(self.clear_frame_mask)
        self.preview_bar.engineChosen.connect(self._engine_chosen)
        self.preview.frameFilled.connect(self._preview_filled)
        self.preview.progress.connect(lambda p: self.job_status.report("Preview", p, self.preview.cancel))
        self.preview.ended.connect(self._preview_ended)
        self.preview.failed.connect(lambda e, tb: self.presenter.exception(e, tb, "Preview failed"))
        self.preview.invalidated.connect(lambda: self.timeline.set_filled(set()))
        self.preview.started.connect(self._update_enabled)
        self.preview.started.connect(self._preview_hint)
        self.timeline.scrubbed.connect(self.seek)
        self.timeline.thumbNeeded.connect(self._want_thumb)
        from .controllers.shape_track import install_tracking  # shapes, then segmented objects

        install_tracking(self)

    # -- opening ---------------------------------------------------------------------------------
    def ask_open(self) -> None:
        dlg = QFileDialog(self, "Open video or project", "", VIDEO_FILTER)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(self.open_path)
        dlg.open()
        self.open_dialog = dlg

    def ask_open_video(self) -> None:
        """New project: choose a video (the "Save changes?" question was answered before)."""
        dlg = QFileDialog(self, "New project: choose a video", "", VIDEO_FILTER)
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(self._open_path_now)
        dlg.open()
        self.open_dialog = dlg

    def open_path(self, path: str | Path) -> JobRunner | None:
        """Open a video or a project on a worker thread; errors appear in a dialog. With unsaved
        masks, "Save changes?" is asked first (then None is returned; the answer continues)."""
        if self.projects.has_unsaved():
            self.projects.confirm_unsaved(lambda: self._open_path_now(path), "opening another file")
            return None
        return self._open_path_now(path)

    def _open_path_now(self, path: str | Path) -> JobRunner:
        self.projects.recovered = False
        if is_project(path):
            return self.projects.open_project(path)
        self.projects.forget()
        return self.open_video(path)

    def open_video(self, path: str | Path, doc: MaskDocument | None = None, remember: str | None = None
                   ) -> JobRunner:
        path = str(path)
        self.status_label.setText(f"Opening {Path(path).name}...")
        cache = self.settings.cache_mb
        return self.run_job(lambda tok: open_clip(path, cache, tok), "Opening", cancellable=False,
                            on_success=lambda clip: self.set_clip(clip, remember or path, doc),
                            on_failure=lambda: self.status_label.setText("Could not open the file."))

    def set_clip(self, clip: MediaClip, path: str | None = None, doc: MaskDocument | None = None) -> None:
        self.close_clip()
        self.projects.saved_range = None
        self.clip = clip
        self.masks.reset(doc or MaskDocument(clip.size, clip.frame_count))
        self.doc_settings.reset()
        self.clock.rate, self.clock.frame_count = clip.rate, clip.frame_count
        self._decoder = LatestRequestWorker(lambda i: clip.reader.frame(i), self)
        self._decoder.ready.connect(self._frame_ready)
        self._decoder.error.connect(lambda k, e: self.presenter.exception(e, "", "Could not decode frame"))
        thumb_reader = clip.new_reader(cache_bytes=16 << 20)
        self._thumbs = QueueWorker(lambda i: to_qimage(thumb_reader.thumbnail(i, THUMB_H)), self)
        self._thumbs.ready.connect(lambda i, img: self.timeline.add_thumbnail(i, QPixmap.fromImage(img)))
        w, h = clip.size
        self.timeline.set_clip(clip.frame_count, clip.rate, w / h)
        self.transport.show_range(0, clip.frame_count - 1, clip.rate)
        if path and not is_autosave(path):  # a recovery copy is not a file the user opened
            self.settings.add_recent(str(path))
        self.status_label.setText(f"{clip.path.name}: {w}x{h}, {clip.frame_count} frames, "
                                  f"{float(clip.rate):.3g} fps{', audio' if clip.has_audio else ''}")
        self.projects.clip_opened()  # a project being opened is adopted with this video
        self._update_title()
        self._update_enabled()
        self.seek(0)
        self.clipOpened.emit()

    def close_clip(self) -> None:
        self.clock.stop()
        self.preview.invalidate()
        self.preview.wait_all()
        for w in (self._decoder, self._thumbs):
            if w is not None:
                w.stop()
        self._decoder = self._thumbs = None
        if self.clip is not None:
            self.clip.close()
        self.clip = None
        self.frame_rgb = None
        self.viewer.set_frame(None)

    # -- frames and masks ------------------------------------------------------------------------
    def seek(self, i: int) -> None:
        if self.clip is None:
            return
        i = max(0, min(int(i), self.clip.frame_count - 1))
        self.current = i
        self.timeline.set_current(i)
        self.transport.show_position(i, self.clip.frame_count, self.clip.rate)
        self._decoder.request(i)

    def _frame_ready(self, i: int, rgb) -> None:
        if i != self.current or self.clip is None:
            return  # a stale request; the newest one is on its way
        self.frame_rgb = rgb
        self.viewer.set_frame(rgb, self.preview.result_full(i, rgb))
        self.refresh_mask()
        self.frameShown.emit(i)

    def _want_thumb(self, i: int) -> None:
        if self._thumbs is not None:
            self._thumbs.request(i)

    def refresh_mask(self) -> None:
        if self.clip is None:
            return
        doc = self.masks.doc
        mask, _, parts = doc.stack.composed(self.current)
        cov, rgb = layer_overlay(parts, mask.shape)  # each layer in its own colour
        live = self.segment.live_mask(self.current) if self.segment is not None else None
        if live is not None:  # a track running: its mask of this frame, before it is committed
            mask, cov = np.maximum(mask, live), np.maximum(cov, live)
            rgb[(live > 0) & ~(rgb.any(axis=2))] = self.viewer.overlay_color
        self.viewer.set_mask(mask, cov, rgb)

    def _masks_changed(self) -> None:
        self.preview.invalidate()
        self.refresh_mask()
        self.timeline.set_markers(self.masks.doc.key_frames(), set(self.masks.doc.painted_frames()))
        self._update_title()
        if self.frame_rgb is not None:
            self.viewer.set_result(None)

    def clear_frame_mask(self) -> None:
        if self.clip is not None:
            self.masks.set_frame_mask(self.current, self.masks.doc.empty(), "Clear frame mask")

    def set_mode(self, mode: str) -> None:
        self.acts[f"mode_{mode}"].setChecked(True)
        self.viewer.set_mode(mode)

    # -- preview ---------------------------------------------------------------------------------
    def _engine_chosen(self, name: str) -> None:
        self.settings.engine = name
        self.preview.invalidate()

    def start_preview(self) -> JobRunner | None:
        if self.clip is None:
            return None
        if not self.masks.doc.has_mask():
            self.presenter.present("Preview", "Nothing to fill yet: paint a mask or draw a shape first.")
            return None
        a, b = self.timeline.in_frame, self.timeline.out_frame
        return self.preview.start(self.clip, self.masks.doc, self.doc_settings.current(),
                                  range(a, b + 1), self.current, self.settings.device)

    def _preview_hint(self) -> None:
        """The Result view's line for frames not filled yet, with the frames shown so far."""
        done, total = self.preview.shown_count()
        self.viewer.set_pending(f"Filling\u2026 {done} of {total} frames ready" if self.preview.running else None)

    def _preview_filled(self, i: int) -> None:
        self.timeline.add_filled(i)
        self._preview_hint()
        if i == self.current and self.frame_rgb is not None:
            self.viewer.set_result(self.preview.result_full(i, self.frame_rgb))

    def _preview_ended(self, outcome: str) -> None:
        self._preview_hint()
        self.job_status.end("Preview", "" if outcome == "ok" else f"Preview {outcome}")
        self._update_enabled()

    # -- jobs ------------------------------------------------------------------------------------
    def run_job(self, make_job, name: str, cancellable: bool = True, on_success=None,
                on_failure=None) -> JobRunner:
        """Start ``make_job(token)`` on a worker thread; ``on_success(result)`` / ``on_failure()``
        are connected before it starts, so no result is ever missed."""
        runner = JobRunner(make_job, name, self)
        # the status bar's cancel button, for jobs that stop cleanly midway (a save is atomic and
        # quick; a mask folder half written is not worth offering)
        stop = runner.cancel if cancellable and name not in ("Saving", "Export masks") else None
        runner.progress.connect(lambda p: self.job_status.report(name, p, stop))
        runner.failed.connect(lambda e, tb: self.presenter.exception(e, tb, f"{name} failed"))
        if on_success is not None:
            runner.succeeded.connect(on_success)
        if on_failure is not None:
            runner.failed.connect(lambda e, tb: on_failure())
        runner.ended.connect(lambda r=runner: self._job_ended(r))
        self.jobs.append(runner)
        runner.start()
        return runner

    def _job_ended(self, runner: JobRunner) -> None:
        if runner in self.jobs:
            self.jobs.remove(runner)
        self.job_status.end(runner.name)

    def _show_progress(self, name: str, p) -> None:
        self.job_status.report(name, p)

    def _fill_recent(self) -> None:
        menu = self.menus["recent"]
        menu.clear()
        paths = self.settings.recent()
        for p, label in zip(paths, recent_labels(paths), strict=True):
            menu.addAction(label, lambda p=p: self.open_path(p)).setToolTip(p)
        if menu.isEmpty():
            menu.addAction("(none)").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", self.settings.clear_recent)

    def show_settings(self):
        from .views.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, self, self.presenter)
        dlg.accepted.connect(lambda: self.preview_bar.populate(self.settings.engine))
        if dlg.models is not None:
            dlg.models.changed.connect(lambda: self.preview_bar.populate(self.preview_bar.current_engine()))
        dlg.open()
        return dlg

    # -- window ----------------------------------------------------------------------------------
    def shape_range(self) -> tuple[int, int]:
        return self.timeline.in_frame, self.timeline.out_frame + 1

    def _update_title(self) -> None:
        name = self.clip.path.name if self.clip else "No video"
        project = self.projects.project
        if project is not None and not is_autosave(project.folder):
            name = f"{project.name} ({name})"
        elif self.projects.recovered:
            name = f"{name} (recovered, not saved yet)"
        self.setWindowTitle(f"{name}[*] - Vanish")
        self.setWindowModified(self.projects.has_unsaved())

    def _update_enabled(self) -> None:
        has = self.clip is not None
        for k in ("preview", "play", "import_masks", "import_mask_image", "export_masks", "save", "save_as", "step_back", "step_fwd", "start", "end", "mark_in", "mark_out",
                  "prev_key", "next_key", "clear_frame"):
            self.acts[k].setEnabled(has)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(urls[0])
            event.acceptProposedAction()

    def closeEvent(self, event) -> None:
        if self.projects.has_unsaved():  # ask first; the answer closes again (or not, on Cancel)
            event.ignore()
            self.projects.confirm_unsaved(self.close, "quitting")
            return
        self.projects.keep_or_drop_autosave()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Cancel every job and wait until all worker threads have stopped."""
        for r in list(self.jobs):
            r.cancel()
        if self.segment is not None:
            self.segment.stop()
        self.close_clip()
        for t in self.findChildren(QThread):
            if isinstance(t, JobRunner):
                t.cancel()
            if t.isRunning() and not t.wait(30000):
                t.setParent(None)  # never destroy a running thread: let it finish on its own
                _ORPHANS.append(t)
