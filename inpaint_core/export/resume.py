"""The hidden work folder of a resumable export: ``.<target name>.partial/`` beside the target.

It holds ``job.json`` (the settings the chunks were made with, and for each chunk a digest of the
masks of every frame it depends on) and one ``chunk_<start>_<stop>.npz`` per finished chunk. On
resume, chunks whose masks changed are discarded (``stale``) and made again; the others are reused. A chunk file stores, per frame, only the output samples that differ from the decoded
source (with a bit map of where they lie in their rectangle): everything else is the decoded source,
bit for bit, so replaying a chunk over the decoded source gives back exactly the frames first
produced.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from ..errors import OutputError
from ..fsutil import is_disk_full


def partial_dir(target: Path) -> Path:
    """``<folder>/.<name>.partial`` for a target ``<folder>/<name>``."""
    target = Path(target)
    return target.parent / f".{target.name}.partial"


def os_error(exc: OSError, where: Path) -> OutputError:
    """A user-facing :class:`OutputError` for an OSError met while writing ``where``."""
    if is_disk_full(exc):  # a full disk or an exhausted quota
        return OutputError(f"The disk is full while writing {where}. Free some space and export again "
                           "(add --resume to continue from the finished chunks).")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"Cannot write to {where}: permission denied. Choose a folder you can write to.")
    return OutputError(f"Cannot write {where}: {exc.strerror or exc}.")


class PartialWork:
    """Finished chunks of one export, kept in :func:`partial_dir` of the target."""

    def __init__(self, target: Path, signature: dict, resume: bool,
                 chunk_digests: dict[tuple[int, int], str] | None = None) -> None:
        self.dir = partial_dir(target)
        self.signature = signature
        self.digests = {f"{a}_{b}": d for (a, b), d in (chunk_digests or {}).items()}
        self.done: dict[tuple[int, int], Path] = {}
        self.stale = 0  # finished chunks dropped because the masks they depend on changed
        try:
            old = self._read() if (resume and self.dir.exists()) else None
            if self.dir.exists() and (old is None or old.get("signature") != self._jsonable(signature)):
                shutil.rmtree(self.dir)
                old = None
            self.dir.mkdir(parents=True, exist_ok=True)
            self._write_json()
        except OSError as exc:
            raise os_error(exc, self.dir) from None
        was = (old or {}).get("chunks", {})
        for p in sorted(self.dir.glob("chunk_*.npz")):
            try:
                _, a, b = p.stem.split("_")
                key = (int(a), int(b))
            except ValueError:
                p.unlink(missing_ok=True)
                continue
            name = f"{key[0]}_{key[1]}"
            if name in self.digests and was.get(name) != self.digests[name]:
                p.unlink(missing_ok=True)
                self.stale += 1
                continue
            self.done[key] = p

    @staticmethod
    def _jsonable(v):
        return json.loads(json.dumps(v))

    def _read(self) -> dict | None:
        try:
            old = json.loads((self.dir / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return old if isinstance(old, dict) else None

    def _write_json(self) -> None:
        tmp = self.dir / "job.json.tmp"
        doc = {"signature": self.signature, "chunks": self.digests}
        tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        os.replace(tmp, self.dir / "job.json")

    def has(self, chunk: tuple[int, int]) -> bool:
        return chunk in self.done

    def save(self, chunk: tuple[int, int], patches: dict[int, tuple]) -> None:
        """Store ``patches``: key -> a patch as :func:`patch_of` makes it, (rect (x0, y0, x1, y1),
        values[, bits]) (see :func:`paste`)."""
        arrays: dict[str, np.ndarray] = {}
        for i, (rect, pix, *bits) in patches.items():
            arrays[f"r{i}"] = np.asarray(rect, np.int32)
            arrays[f"p{i}"] = pix
            if bits and bits[0] is not None:
                arrays[f"m{i}"] = bits[0]
        path = self.dir / f"chunk_{chunk[0]:07d}_{chunk[1]:07d}.npz"
        tmp = path.with_suffix(".tmp.npz")
        try:
            _save_npz(tmp, arrays)
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise os_error(exc, self.dir) from None
        self.done[chunk] = path

    def load(self, chunk: tuple[int, int]) -> dict[int, tuple[tuple[int, int, int, int], np.ndarray]]:
        out = {}
        with np.load(self.done[chunk]) as z:
            for key in z.files:
                if key.startswith("r"):
                    i = int(key[1:])
                    out[i] = (tuple(int(v) for v in z[key]), z[f"p{i}"]) + \
                        ((z[f"m{i}"],) if f"m{i}" in z.files else ())
        return out

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def changed_patch(out: np.ndarray, src: np.ndarray) -> tuple | None:
    """Where ``out`` differs from ``src`` (both (H, W[, C]) arrays of one dtype): (rect (x0, y0,
    x1, y1), values (n[, C]) of ``out`` at the differing pixels of the rectangle in row order,
    bits: the rectangle's differing pixels as ``np.packbits`` of its (h, w) bool map), or None
    where nothing differs. Only the changed samples are kept: a hole of thin strokes spread over
    the frame costs its own pixels, not its bounding box's (10x less to hold and compress)."""
    diff = out != src
    if diff.ndim == 3:
        diff = diff.any(axis=2)
    ys = np.flatnonzero(diff.any(axis=1))
    if len(ys) == 0:
        return None
    xs = np.flatnonzero(diff.any(axis=0))
    x0, y0, x1, y1 = int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1
    m = diff[y0:y1, x0:x1]
    return (x0, y0, x1, y1), np.ascontiguousarray(out[y0:y1, x0:x1][m]), np.packbits(m, axis=None)


def paste(region: np.ndarray, pix: np.ndarray, bits: np.ndarray | None = None) -> None:
    """Write a patch's samples into ``region`` (its rectangle of the picture, in place): ``pix``
    the whole rectangle when ``bits`` is None (patches of earlier versions), else the values at
    the pixels ``bits`` marks (see :func:`changed_patch`)."""
    if bits is None:
        region[...] = pix
        return
    h, w = region.shape[:2]
    m = np.unpackbits(bits, count=h * w).reshape(h, w).astype(bool)
    region[m] = pix


def patch_of(out: np.ndarray, src: np.ndarray) -> tuple:
    """The patch of an (H, W, 3) uint8 output frame ``out`` over its source ``src``: (rect, values,
    bits) as :func:`changed_patch` (an empty rectangle when nothing changed)."""
    got = changed_patch(out, src)
    if got is None:
        return (0, 0, 0, 0), np.zeros((0, 3), np.uint8), None
    return got


def apply_patch(src: np.ndarray, rect: tuple[int, int, int, int], pix: np.ndarray,
                bits: np.ndarray | None = None) -> np.ndarray:
    """``src`` with a patch (see :func:`patch_of`) pasted at ``rect`` (a copy)."""
    out = src.copy()
    x0, y0, x1, y1 = rect
    if x1 > x0 and y1 > y0:
        paste(out[y0:y1, x0:x1], pix, bits)
    return out


def chunk_digests(masks, mask_fn, chunks, shots, start: int, end: int, reach: int,
                  cancel) -> dict[tuple[int, int], str]:
    """For each chunk, a digest of the masks of every frame its output depends on (the chunk and
    ``reach`` frames of context on each side, within its shot and the range). Per-frame digests
    come from the mask document when it has them (no pixels composed), else from the masks."""
    frame_digest = getattr(masks, "frame_digest", None)
    per: dict[int, str] = {}

    def digest(i: int) -> str:
        if i not in per:
            cancel.raise_if_cancelled()
            if callable(frame_digest):
                per[i] = frame_digest(i)
            else:
                per[i] = hashlib.sha1(np.ascontiguousarray(mask_fn(i)).tobytes()).hexdigest()
        return per[i]

    out = {}
    for c0, c1 in chunks:
        sa, sb = next(((a, b) for a, b in shots if a <= c0 < b), (start, end))
        h = hashlib.sha1()
        for i in range(max(start, sa, c0 - reach), min(end, sb, c1 + reach)):
            h.update(f"{i}:{digest(i)};".encode())
        out[(c0, c1)] = h.hexdigest()
    return out


#: deflate level of the resume patches: level 1 took a third of the default's (6) time on the
#: encode thread for files a few per cent larger (see docs/export.md, speed)
ZIP_LEVEL = 1


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez_compressed`` at :data:`ZIP_LEVEL` (numpy's own writes at zlib's default level);
    ``np.load`` reads it the same."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zf:
        for name, arr in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(arr), allow_pickle=False)
