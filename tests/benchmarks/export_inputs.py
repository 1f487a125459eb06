"""Inputs of :mod:`bench_export`: the clips with a logo burned into the hole, and an earlier
revision's package tree for the rows run from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def burned(src: Path, mask: np.ndarray, dst: Path, mode: str) -> Path:
    """``src`` with ``mask``'s pixels replaced as :func:`~inpaint_core.bench.occlude.occlude`'s
    ``mode`` says (a burned-in logo by default), re-encoded as H.264 (crf 18) at ``src``'s rate: the
    input the exports get; the truth stays ``src``. ``truth`` returns ``src`` itself."""
    from fractions import Fraction

    from inpaint_core.bench.occlude import occlude
    from inpaint_core.video import VideoReader, VideoWriter

    if mode == "truth":
        return src
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".part.mp4")
    with VideoReader(src) as r:
        rate = Fraction(r.info.rate)
        with VideoWriter(tmp, width=r.info.width, height=r.info.height, time_base=1 / (rate * 512), rate=rate,
                         crf=18, preset="veryfast") as w:
            for i, f in r.iter_frames():
                w.write(occlude(f[None], mask[None], mode)[0], i * 512)
    tmp.replace(dst)
    return dst


def unpack_tree(rev: str, folder: Path) -> str:
    """The package ``inpaint_core`` of git revision ``rev`` unpacked under ``folder``; its path."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "inpaint_core"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return str(folder)
