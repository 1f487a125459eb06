"""Pre-flight checks and the per-target lock around :func:`~inpaint_core.export.job.export_video`.

:func:`guarded_export` wraps the export job so that, before any long work starts:

- the output folder of the video and of ``write_masks`` exists and is writable;
- neither target is one of the inputs (the source video, the mask path, the folders given in
  ``protect`` such as the project folder), through any relative path, symlink or hard link
  (:func:`inpaint_core.fsutil.check_not_input`), nor are the two targets the same;
- no other export is writing the same target (:func:`inpaint_core.fsutil.target_lock`); the lock
  is held until the job ends, so a second export refuses instead of deleting the first's work;
- an export that fails before finishing any chunk leaves no ``.<name>.partial`` folder behind;
- an audio track that is cut short is told (a notice), not exported shorter in silence;
- (from the job, once the video is open: :func:`check_encodable`) the format holds the frame size
  and the disk has room for a low estimate of the output.
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
from pathlib import Path

from ..errors import MaskError, OutputError
from ..fsutil import check_not_input, check_output_folder, target_lock
from .resume import partial_dir


def _existing_ancestor(p: Path) -> Path:
    p = p.absolute()
    while not p.exists() and p.parent != p:
        p = p.parent
    return p


def preflight(source, masks, out, write_masks=None, protect=()) -> None:
    """Raise :class:`OutputError`/:class:`MaskError` for an export that cannot end well; see the
    module docstring."""
    out = Path(out)
    check_output_folder(out.parent if str(out.parent) else Path("."))
    inputs = [source, masks if isinstance(masks, (str, Path)) else None, *protect]
    check_not_input(out, inputs)
    if write_masks:
        wm = Path(write_masks)
        if wm.exists() and not wm.is_dir():
            raise MaskError(f"{wm} exists and is not a folder; choose a new folder for --write-masks.")
        check_output_folder(_existing_ancestor(wm.parent if str(wm.parent) else Path(".")))
        check_not_input(wm, inputs + [out], "mask folder")
        if os.path.realpath(wm) == os.path.realpath(out):
            raise OutputError(f"--write-masks {wm} is the video's own target; choose another folder for the masks.")


#: lower bounds of an output's size in bytes per pixel per frame (lossless formats) or as a share
#: of the source's bytes (formats that re-encode at about the source's bit rate); low on purpose: the
#: export is refused only when even this cannot fit
_BYTES_PER_PIXEL = {"mov": 0.1, "mkv": 0.05, "png": 0.05}
_SOURCE_SHARE = 0.05


def check_encodable(fmt, out, source, width: int, height: int, frames: int, total_frames: int) -> None:
    """Before any frame is scanned or encoded: ``fmt`` must hold ``width`` x ``height`` frames
    (:func:`inpaint_core.video.formats.check_frame_size`), and the output's folder must have room
    for a low estimate of ``frames`` of output (:class:`OutputError` when it cannot fit; a notice
    when it may not, below four times that estimate)."""
    from ..notices import notice
    from ..video.formats import check_frame_size

    check_frame_size(fmt, width, height)
    name = getattr(fmt, "name", str(fmt))
    if name in _BYTES_PER_PIXEL:
        need = _BYTES_PER_PIXEL[name] * width * height * frames
    else:
        need = _SOURCE_SHARE * os.path.getsize(source) * frames / max(1, total_frames)
    folder = Path(out).parent if str(Path(out).parent) else Path(".")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    mb = 1 << 20
    if free < need:
        raise OutputError(f"The disk holding {folder} has {free / mb:.0f} MB free, but {out} needs at least "
                          f"about {need / mb:.0f} MB. Free some space or choose another folder.")
    if free < 4 * need:
        notice(f"the disk holding {folder} has {free / mb:.0f} MB free; {out} may need up to about "
               f"{4 * need / mb:.0f} MB.")


def _tell_short_audio(source) -> None:
    """A notice for each audio track of ``source`` that is cut short (it is exported as it is)."""
    from ..notices import notice
    from ..video.audiocheck import short_audio

    for s in short_audio(source):
        notice(s.describe(source))


def _drop_empty_partial(out: Path) -> None:
    """Remove ``.<name>.partial`` when it holds no finished chunk (nothing worth resuming)."""
    d = partial_dir(out)
    if d.is_dir() and not any(d.glob("chunk_*.npz")):
        shutil.rmtree(d, ignore_errors=True)


def guarded_export(fn):
    """Decorate the export generator ``fn(source, masks, out, ..., write_masks=...)``: pre-flight
    checks, then the job under the target's lock. Adds the keyword ``protect`` (paths of further
    inputs that must never be written, such as the project folder)."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args, protect=(), **kwargs):
        a = sig.bind(*args, **kwargs).arguments
        out = Path(a["out"])
        preflight(a["source"], a["masks"], out, a.get("write_masks"), tuple(protect))
        if a.get("audio", True):
            _tell_short_audio(a["source"])
        with target_lock(out):
            finished = False
            try:
                result = yield from fn(*args, **kwargs)
                finished = True
                return result
            finally:
                if not finished:
                    _drop_empty_partial(out)

    return wrapper


__all__ = ["guarded_export", "preflight"]
