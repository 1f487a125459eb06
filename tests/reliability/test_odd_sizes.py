"""Fault matrix, encoder constraints (issue case 5): an odd-size source exported to every output
format either exports correctly (FFmpeg decodes it cleanly, and outside the mask it matches the
source as closely as an even-size source does) or is refused before any work starts."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from inpaint_core.errors import OutputError
from inpaint_core.export import export_video
from inpaint_core.jobs import run_job
from inpaint_core.video import VideoReader
from tests.reliability.faults import assert_nothing_written, save_mask
from tests.synth import make_video

RECT = (20, 16, 50, 40)
MARGIN = 16  # grown and feathered edge of the hole


def _source(folder, size):
    path = folder / f"src_{size[0]}x{size[1]}.mkv"
    make_video(path, n=6, size=size, codec="ffv1")  # lossless: any size can be a source
    mask = save_mask(folder / f"m_{size[0]}x{size[1]}.png", size=size, rect=RECT)
    return path, mask


def _outside(size):
    w, h = size
    keep = np.ones((h, w), bool)
    x0, y0, x1, y1 = RECT
    keep[max(0, y0 - MARGIN):y1 + MARGIN, max(0, x0 - MARGIN):x1 + MARGIN] = False
    return keep


def _frames(path):
    if path.is_dir():
        return [np.asarray(Image.open(p).convert("RGB")) for p in sorted(path.glob("frame_*.png"))]
    with VideoReader(path) as r:
        return [rgb for _, rgb in r.iter_frames()]


def _psnr_outside(src, out, size):
    keep = _outside(size)
    a = np.stack(_frames(src))[:, keep].astype(np.float64)
    b = np.stack(_frames(out))[:, keep].astype(np.float64)
    assert a.shape == b.shape
    mse = float(((a - b) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def _decodes_cleanly(path):
    if shutil.which("ffmpeg") is None or path.is_dir():
        return
    run = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr


@pytest.mark.parametrize("name,fmt", [("o.mp4", None), ("o.mp4", "h265"), ("o.mov", None), ("o.webm", None)])
def test_odd_size_is_refused_before_any_work(tmp_path, name, fmt):
    src, mask = _source(tmp_path, (95, 63))
    job = export_video(src, mask, tmp_path / name, fmt=fmt, engine="telea", residuals="none")
    with pytest.raises(OutputError, match="95x63") as err:
        next(job)  # refused before the first progress event: nothing was scanned or encoded
    assert "even" in str(err.value) and ".mkv" in str(err.value)
    assert_nothing_written(tmp_path / name)


def test_prores_refuses_an_odd_width_but_takes_an_odd_height(tmp_path):
    src, mask = _source(tmp_path, (95, 64))
    with pytest.raises(OutputError, match="even width"):
        next(export_video(src, mask, tmp_path / "o.mov", engine="telea", residuals="none"))
    assert_nothing_written(tmp_path / "o.mov")
    odd_h, m_odd = _source(tmp_path, (96, 63))
    even, m_even = _source(tmp_path, (96, 64))
    run_job(export_video(odd_h, m_odd, tmp_path / "odd.mov", engine="telea", residuals="none"))
    run_job(export_video(even, m_even, tmp_path / "even.mov", engine="telea", residuals="none"))
    _decodes_cleanly(tmp_path / "odd.mov")
    p_odd = _psnr_outside(odd_h, tmp_path / "odd.mov", (96, 63))
    p_even = _psnr_outside(even, tmp_path / "even.mov", (96, 64))
    assert p_odd > 40 and p_odd >= p_even - 2.0, (p_odd, p_even)  # one ProRes generation either way


@pytest.mark.parametrize("name", ["o.mkv", "o_png"])
def test_odd_size_exports_correctly_where_the_format_allows(tmp_path, name):
    results = {}
    for size in ((95, 63), (96, 64)):
        src, mask = _source(tmp_path, size)
        out = tmp_path / f"{size[0]}_{name}"
        run_job(export_video(src, mask, out, engine="telea", residuals="none"))
        _decodes_cleanly(out)
        results[size] = _psnr_outside(src, out, size)
    # lossless formats: outside the mask the output is the source, bit for bit, at either size
    assert results[(95, 63)] == results[(96, 64)] == float("inf"), results
