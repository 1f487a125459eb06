"""The model manager's list (when :mod:`inpaint_core.models` is built): state of each checkpoint,
install (verified download), import from a file, remove; progress per model; the model folder."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
)

from ..workers.runners import JobRunner


def models_available() -> bool:
    try:
        return importlib.util.find_spec("inpaint_core.models.store") is not None
    except (ImportError, ValueError):
        return False


def apply_models_dir(folder: str) -> None:
    """Point the model store at ``folder`` ("" = the default per-user folder)."""
    if folder:
        os.environ["VANISH_MODELS_DIR"] = folder
    else:
        os.environ.pop("VANISH_MODELS_DIR", None)


def _size(n: int | None) -> str:
    if not n:
        return ""
    return f"{n / 1e6:.0f} MB" if n < 1e9 else f"{n / 1e9:.2f} GB"


class ModelsPanel(QGroupBox):
    """``changed()`` after a model was installed or removed (engine availability may change)."""

    changed = Signal()

    def __init__(self, presenter, parent=None) -> None:
        super().__init__("Models", parent)
        from inpaint_core.models import MODELS, models_dir

        self.presenter = presenter
        self.names = list(MODELS)
        grid = QGridLayout(self)
        frow = QHBoxLayout()
        self.folder = QLineEdit(str(models_dir()), self)
        self.folder.setToolTip("Where checkpoints are stored (applies immediately)")
        browse = QPushButton("Choose...", self)
        browse.clicked.connect(self._choose_folder)
        frow.addWidget(QLabel("Folder", self))
        frow.addWidget(self.folder, 1)
        frow.addWidget(browse)
        grid.addLayout(frow, 0, 0, 1, 6)
        self.rows: dict[str, dict] = {}
        self.runners: dict[str, JobRunner] = {}
        for r, name in enumerate(self.names, start=1):
            spec = MODELS[name]
            title = QLabel(f"{spec.title}", self)
            title.setToolTip(f"{spec.licence}\n{spec.manual}")
            state = QLabel("", self)
            bar = QProgressBar(self)
            bar.setFixedWidth(120)
            bar.setVisible(False)
            install = QPushButton("Install", self)
            install.setToolTip(f"Download and verify ({spec.approx_size or 'size unknown'})")
            imp = QPushButton("Import...", self)
            imp.setToolTip("Install from a file you downloaded yourself")
            rm = QPushButton("Remove", self)
            install.clicked.connect(lambda _=False, n=name: self.install(n))
            imp.clicked.connect(lambda _=False, n=name: self._ask_import(n))
            rm.clicked.connect(lambda _=False, n=name: self.remove(n))
            for c, w in enumerate((title, state, bar, install, imp, rm)):
                grid.addWidget(w, r, c)
            self.rows[name] = {"state": state, "bar": bar, "install": install, "import": imp, "remove": rm}
        self.refresh()

    def _choose_folder(self) -> None:
        dlg = QFileDialog(self, "Model folder", self.folder.text())
        dlg.setFileMode(QFileDialog.FileMode.Directory)
        dlg.fileSelected.connect(self.set_folder)
        dlg.open()

    def set_folder(self, folder: str) -> None:
        self.folder.setText(folder)
        apply_models_dir(folder)
        self.refresh()
        self.changed.emit()

    def refresh(self) -> None:
        from inpaint_core.models import status

        for name, row in self.rows.items():
            st = status(name)
            busy = name in self.runners
            text = {"installed": "Installed", "partial": "Partly downloaded", "unverified": "Not verified",
                    "missing": "Not installed"}.get(st.state, st.state)
            row["state"].setText(f"{text} {_size(st.size)}".strip())
            row["install"].setEnabled(not busy and st.state != "installed")
            row["import"].setEnabled(not busy)
            row["remove"].setEnabled(not busy and st.state != "missing")
            row["install"].setText("Cancel" if busy else ("Resume" if st.state == "partial" else "Install"))
            if busy:
                row["install"].setEnabled(True)

    def _run(self, name: str, make_job, verb: str) -> JobRunner:
        row = self.rows[name]
        runner = JobRunner(make_job, f"{verb} {name}", self)

        def progress(p) -> None:
            row["bar"].setVisible(True)
            row["bar"].setRange(0, p.total if p.total > 0 else 0)
            row["bar"].setValue(min(p.done, p.total) if p.total > 0 else 0)

        def ended() -> None:
            self.runners.pop(name, None)
            row["bar"].setVisible(False)
            self.refresh()
            self.changed.emit()

        runner.progress.connect(progress)
        runner.failed.connect(lambda e, tb: self.presenter.exception(e, tb, f"{verb} failed"))
        runner.ended.connect(ended)
        self.runners[name] = runner
        runner.start()
        self.refresh()
        return runner

    def install(self, name: str) -> JobRunner | None:
        if name in self.runners:  # the button reads "Cancel" while busy
            self.runners[name].cancel()
            return None
        from inpaint_core.models import download_job

        return self._run(name, lambda tok: download_job(name, cancel=tok), "Download")

    def _ask_import(self, name: str) -> None:
        dlg = QFileDialog(self, f"Import {name} checkpoint")
        dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
        dlg.fileSelected.connect(lambda p, n=name: self.import_file(n, p))
        dlg.open()

    def import_file(self, name: str, path: str | Path) -> JobRunner:
        from inpaint_core.models import import_job

        return self._run(name, lambda tok: import_job(name, path, tok), "Import")

    def remove(self, name: str) -> None:
        from inpaint_core.models import remove

        try:
            remove(name)
        except Exception as exc:
            self.presenter.exception(exc, "", "Remove failed")
        self.refresh()
        self.changed.emit()

    def wait(self) -> None:
        for r in list(self.runners.values()):
            r.cancel()
            r.wait(30000)
