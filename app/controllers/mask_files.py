"""Import and export of mask image sequences (reading rules of :mod:`inpaint_core.masks`)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QWidget

from inpaint_core.jobs import Progress
from inpaint_core.masks import Layer, PaintedLayer, ShapeLayer, write_masks
from inpaint_core.masks.document import MaskDocument
from inpaint_core.project import open_mask_input

from ..document.mask_controller import MaskController
from ..document.media import MediaClip

IMAGE_FILTER = "Mask images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff *.webp);;All files (*)"


def import_job(path: str | Path, frame_count: int, size: tuple[int, int], token=None
               ) -> Generator[Progress, None, Layer]:
    """Job: read a mask folder or image into a layer. One image (or a folder holding one) gives a
    stationary bitmap layer over the whole clip; one image per frame gives a painted layer."""
    src = open_mask_input(path, frame_count, size)
    name = Path(path).stem or Path(path).name
    if src.stationary:
        yield Progress(1, 1, "Importing masks")
        return ShapeLayer.from_bitmap(src.mask(0), name=name)
    layer = PaintedLayer(size, name=name)
    for i in range(frame_count):
        if token is not None:
            token.raise_if_cancelled()
        layer.set(i, src.mask(i))
        if i % 8 == 0:
            yield Progress(i, frame_count, "Importing masks")
    yield Progress(frame_count, frame_count, "Importing masks")
    return layer


def export_job(folder: str | Path, doc: MaskDocument, token=None) -> Generator[Progress, None, int]:
    """Job: write the composed mask of every frame as 00000.png... (0/255) into ``folder``."""
    n = doc.frame_count

    def masks():
        for i in range(n):
            if token is not None:
                token.raise_if_cancelled()
            yield doc.compose(i)

    yield Progress(0, n, "Exporting masks")
    count = write_masks(folder, masks())
    yield Progress(n, n, "Exporting masks")
    return count


class MaskFilesController:
    """The Import/Export mask actions. ``parent`` holds the dialogs, ``clip()`` gives the open clip,
    ``run_job(make_job, name, on_success=...)`` runs a job on a worker thread, ``status(text)``
    reports."""

    def __init__(self, parent: QWidget, acts: dict[str, QAction], masks: MaskController,
                 clip: Callable[[], MediaClip | None], run_job: Callable, status: Callable[[str], None]) -> None:
        self.parent, self.masks, self.clip, self.run_job, self.status = parent, masks, clip, run_job, status
        acts["import_masks"].triggered.connect(self.ask_import_masks)
        acts["import_mask_image"].triggered.connect(self.ask_import_mask_image)
        acts["export_masks"].triggered.connect(self.ask_export_masks)

    def ask_import_masks(self) -> None:
        if self.clip() is not None:
            dlg = QFileDialog(self.parent, "Import a folder of mask images")
            dlg.setFileMode(QFileDialog.FileMode.Directory)
            dlg.fileSelected.connect(self.import_masks)
            dlg.open()

    def ask_import_mask_image(self) -> None:
        if self.clip() is not None:
            dlg = QFileDialog(self.parent, "Import one mask image (stationary)", "", IMAGE_FILTER)
            dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
            dlg.fileSelected.connect(self.import_masks)
            dlg.open()

    def import_masks(self, path: str | Path):
        if self.clip() is None:
            return None
        clip = self.clip()
        n, size = clip.frame_count, clip.size
        return self.run_job(lambda tok: import_job(path, n, size, tok), "Import masks",
                            on_success=self.masks.add_layer)

    def ask_export_masks(self) -> None:
        if self.clip() is not None:
            dlg = QFileDialog(self.parent, "Export masks into a new folder")
            dlg.setFileMode(QFileDialog.FileMode.AnyFile)
            dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dlg.fileSelected.connect(self.export_masks)
            dlg.open()

    def export_masks(self, folder: str | Path):
        if self.clip() is None:
            return None
        snap = self.masks.doc.snapshot()
        return self.run_job(lambda tok: export_job(folder, snap, tok), "Export masks",
                            on_success=lambda n: self.status(f"Wrote {n} masks to {folder}"))
