"""The export dialog: range, format, quality, audio, output path; then progress with stage and
ETA, cancel, and "open folder" when done. Non-modal: the user keeps editing while it runs."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inpaint_core.jobs import EtaEstimator
from inpaint_core.settings import SCHEMA, ExportSettings

from ..workers.jobfns import ExportRequest

# (key, label, extension or "" for a folder, lossy)
FORMATS = [
    ("mp4", "MP4 - H.264", ".mp4", True),
    ("h265", "MP4 - H.265", ".mp4", True),
    ("mov", "MOV - ProRes 422", ".mov", False),
    ("mkv", "MKV - FFV1 lossless", ".mkv", False),
    ("webm", "WebM - VP9", ".webm", True),
    ("png", "PNG sequence (folder)", "", False),
]


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "estimating\u2026"
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}" if s < 3600 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class ExportDialog(QDialog):
    """``requested(ExportRequest)`` when the user presses Export; the window runs the job and
    drives :meth:`attach`."""

    requested = Signal(object)

    def __init__(self, parent, source: Path, frame_count: int, in_out: tuple[int, int], has_audio: bool,
                 engine_label: str, settings: ExportSettings | None = None, info=None,
                 folder: str | Path | None = None) -> None:
        super().__init__(parent)
        self.info = info  # the source's VideoInfo: "Match source" and what the output keeps
        own = Path(source).suffix.lower()
        self.formats = ([("match", "Match source", own if own in (".mp4", ".mov", ".mkv", ".webm") else ".mov",
                          None)] if info is not None else []) + FORMATS
        self.setWindowTitle("Export video")
        self.setObjectName("exportDialog")
        self.setModal(False)
        self.frame_count = frame_count
        self.in_out = in_out
        self.runner = None
        self.clock = time.monotonic  # seconds; tests may put a fake clock here
        self._t0 = 0.0
        self._eta = EtaEstimator()
        # the elapsed time ticks on its own: progress events may be many seconds apart
        self._ticker = QTimer(self, interval=250)
        self._ticker.timeout.connect(self._tick)
        lay = QVBoxLayout(self)
        self.settings_box = QWidget(self)
        form = QFormLayout(self.settings_box)
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.whole = QRadioButton(f"Whole clip ({frame_count} frames)", self)
        self.ranged = QRadioButton(f"In/out range ({in_out[0]}-{in_out[1]}, {in_out[1] - in_out[0] + 1} frames)",
                                   self)
        self.whole.setChecked(in_out == (0, frame_count - 1))
        self.ranged.setChecked(not self.whole.isChecked())
        row.addWidget(self.whole)
        row.addWidget(self.ranged)
        form.addRow("Range", row)
        self.format = QComboBox(self)
        for key, label, _ext, _lossy in self.formats:
            self.format.addItem(label, key)
        form.addRow("Format", self.format)
        self.keeps = QLabel("", self)
        self.keeps.setObjectName("exportKeeps")
        self.keeps.setWordWrap(True)
        form.addRow("", self.keeps)
        qrow = QHBoxLayout()
        self.auto_quality = QCheckBox("Match the source", self)
        self.auto_quality.setChecked(True)
        self.crf = QSpinBox(self)
        self.crf.setRange(0, 51)
        self.crf.setValue(18)
        self.crf.setPrefix("CRF ")
        self.crf.setToolTip("Lower is better quality and larger files")
        qrow.addWidget(self.auto_quality)
        qrow.addWidget(self.crf)
        qrow.addStretch(1)
        form.addRow("Quality", qrow)
        self.audio = QCheckBox("Keep the audio (cut to the range)", self)
        self.audio.setChecked(has_audio)
        self.audio.setEnabled(has_audio)
        if not has_audio:
            self.audio.setText("The source has no audio")
        form.addRow("Audio", self.audio)
        self.residuals = QComboBox(self)
        for key, label in (("both", "Temporal + spatial (best)"), ("temporal", "Temporal only"),
                           ("spatial", "Spatial only"), ("none", "None (plain upscale)")):
            self.residuals.addItem(label, key)
        self.residuals.setToolTip("How full-resolution detail is restored inside the filled area")
        form.addRow("Detail", self.residuals)
        self.blend = QComboBox(self)
        for key, label in (("auto", "Automatic (where other frames do not back the fill)"), ("off", "Off")):
            self.blend.addItem(label, key)
        self.blend.setToolTip(f"{SCHEMA['blend'].description} (needs Temporal + spatial detail)")
        form.addRow("Smooth blend", self.blend)
        self.residuals.currentIndexChanged.connect(
            lambda _i: self.blend.setEnabled(self.residuals.currentData() == "both"))
        form.addRow("Engine", QLabel(engine_label, self))
        self._mask_rows(form, settings or ExportSettings())
        prow = QHBoxLayout()
        out_dir = Path(folder) if folder and Path(folder).is_dir() else source.parent  # the last export's
        self.path = QLineEdit(str(out_dir / (source.stem + "_vanish" + self.formats[0][2])), self)
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        prow.addWidget(self.path, 1)
        prow.addWidget(browse)
        form.addRow("Output", prow)
        lay.addWidget(self.settings_box)
        self.stage = QLabel("", self)
        self.bar = QProgressBar(self)
        self.eta = QLabel("", self)
        for w in (self.stage, self.bar, self.eta):
            w.setVisible(False)
            lay.addWidget(w)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.open_btn = QPushButton("Open folder", self)
        self.open_btn.setVisible(False)
        self.open_btn.clicked.connect(self.open_folder)
        self.cancel_btn = QPushButton("Cancel", self)
        self.cancel_btn.clicked.connect(self._cancel)
        self.export_btn = QPushButton("Export", self)
        self.export_btn.setDefault(True)
        self.export_btn.clicked.connect(self._export)
        for b in (self.open_btn, self.cancel_btn, self.export_btn):
            buttons.addWidget(b)
        lay.addLayout(buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.path.editingFinished.connect(self._show_plan)
        self.auto_quality.toggled.connect(lambda on: self.crf.setEnabled(not on and self._lossy()))
        self._format_changed()
        self.resize(560, 0)

    # -- settings --------------------------------------------------------------------------------
    def _mask_rows(self, form: QFormLayout, s: ExportSettings) -> None:
        """Grow and feather, with ranges, defaults and descriptions from the settings schema."""
        g, f = SCHEMA["grow"], SCHEMA["feather"]
        self.grow = QSpinBox(self)
        self.grow.setRange(int(g.minimum) - 1, int(g.maximum))
        self.grow.setSpecialValueText("Engine default")
        self.grow.setSuffix(" px")
        self.grow.setValue(-1 if s.grow is None else s.grow)
        self.grow.setToolTip(f"{g.description}; lowest value: {g.none_means}")
        form.addRow("Grow mask", self.grow)
        self.feather = QDoubleSpinBox(self)
        self.feather.setRange(f.minimum, f.maximum)
        self.feather.setDecimals(1)
        self.feather.setSuffix(" px")
        self.feather.setValue(s.feather)
        self.feather.setToolTip(f"{f.description} (default {f.default})")
        form.addRow("Feather", self.feather)
        k = self.residuals.findData(s.residuals)
        if k >= 0:
            self.residuals.setCurrentIndex(k)
        self.blend.setCurrentIndex(max(0, self.blend.findData(s.blend)))
        self.blend.setEnabled(self.residuals.currentData() == "both")
        if s.crf is not None:
            self.auto_quality.setChecked(False)
            self.crf.setValue(s.crf)

    def _lossy(self) -> bool:
        lossy = self.formats[self.format.currentIndex()][3]
        if lossy is None:  # match source: lossy when the matched codec takes a CRF
            plan = self._plan()
            return plan is not None and plan.codec in ("libx264", "libx265", "libvpx-vp9")
        return lossy

    def _fmt(self) -> str | None:
        key = self.format.currentData()
        return None if key == "match" else key

    def _plan(self):
        if self.info is None:
            return None
        from inpaint_core.errors import VanishError
        from inpaint_core.video.match import plan_output

        try:
            return plan_output(self.info, Path(self.path.text()), self._fmt())
        except VanishError:
            return None

    def _show_plan(self) -> None:
        """Say what the output keeps of the source, or what it loses and the faithful choice."""
        plan = self._plan()
        if plan is None:
            self.keeps.setText("")
            return
        if plan.losses:
            self.keeps.setText("<b>Loses:</b> " + " ".join(plan.losses))
            return
        i = self.info
        sf = i.sample_format
        kept = [plan.describe() if plan.codec != "png" else "PNG images",
                f"{sf.bits}-bit {'RGB' if sf.rgb else sf.chroma}" + (" with alpha" if sf.alpha else ""),
                "colour tags"]
        if i.timecode and plan.format.container:
            kept.append(f"timecode {i.timecode}")
        if i.audio and plan.format.container:
            kept.append(f"{len(i.audio)} audio stream(s)")
        if plan.copy_ok:
            kept.append("frames without a mask copied unchanged")
        self.keeps.setText("Keeps: " + ", ".join(kept) + ".")

    def _format_changed(self) -> None:
        _key, _label, ext, _lossy = self.formats[self.format.currentIndex()]
        p = Path(self.path.text())
        base = p.with_suffix("") if p.suffix else p
        self.path.setText(str(base) + ext)
        lossy = self._lossy()
        self.auto_quality.setEnabled(lossy)
        self.crf.setEnabled(lossy and not self.auto_quality.isChecked())
        self._show_plan()

    def _browse(self) -> None:
        dlg = QFileDialog(self, "Export to", self.path.text())
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.fileSelected.connect(self.path.setText)
        dlg.open()

    def request(self) -> ExportRequest:
        a, b = (0, self.frame_count - 1) if self.whole.isChecked() else self.in_out
        crf = None if (self.auto_quality.isChecked() or not self._lossy()) else self.crf.value()
        grow = None if self.grow.value() < 0 else self.grow.value()
        return ExportRequest(Path(self.path.text()).expanduser(), self._fmt(), a, b + 1, crf,
                             self.audio.isChecked(), self.residuals.currentData(), grow, self.feather.value(),
                             self.blend.currentData())

    def _export(self) -> None:
        self.requested.emit(self.request())

    # -- progress --------------------------------------------------------------------------------
    def attach(self, runner) -> None:
        """Follow ``runner`` (a JobRunner of the export job)."""
        self.runner = runner
        self._eta = EtaEstimator(clock=self.clock)
        self._t0 = self.clock()
        self.settings_box.setEnabled(False)
        self.export_btn.setEnabled(False)
        self.open_btn.setVisible(False)
        self.cancel_btn.setText("Cancel export")
        for w in (self.stage, self.bar, self.eta):
            w.setVisible(True)
        self.stage.setText("Starting...")
        self._tick()
        self._ticker.start()
        runner.progress.connect(self._progress)
        runner.succeeded.connect(self._done)
        runner.failed.connect(lambda e, tb: self._finished(f"Failed: {e}"))
        runner.cancelledJob.connect(lambda: self._finished("Cancelled; nothing was written."))

    def _progress(self, p) -> None:
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        self.stage.setText(f"{(p.stage or 'export').capitalize()}: {p.done} / {p.total}")
        self._eta.update(p)
        self._tick()

    def _tick(self) -> None:
        """Elapsed time (every second, with or without progress) and the remaining time once it
        can be estimated."""
        now = self.clock()
        self.eta.setText(f"Elapsed {fmt_seconds(now - self._t0)}   "
                         f"remaining {fmt_seconds(self._eta.remaining(now))}")

    def _done(self, result) -> None:
        frames = getattr(result, "frames", None)
        self.out_path = Path(getattr(result, "path", self.request().out))
        self._finished(f"Done: {frames} frames written to {self.out_path.name} in "
                       f"{fmt_seconds(self.clock() - self._t0)}.")
        self.bar.setValue(self.bar.maximum())
        self.open_btn.setVisible(True)

    def _finished(self, text: str) -> None:
        self._ticker.stop()
        self.runner = None
        self.stage.setText(text)
        self.eta.setText("")
        self.settings_box.setEnabled(True)
        self.export_btn.setEnabled(True)
        self.cancel_btn.setText("Close")

    def _cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()
            self.stage.setText("Cancelling...")
        else:
            self.close()

    def open_folder(self) -> bool:
        p = getattr(self, "out_path", self.request().out)
        folder = p if p.is_dir() else p.parent
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
