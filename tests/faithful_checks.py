"""Helpers of the faithful-media tests: export with fixed grow/feather, decode to native planes,
the region an export may touch, ffmpeg's verdict."""

from __future__ import annotations

import shutil
import subprocess

import av
import numpy as np

from inpaint_core.export import export_video
from inpaint_core.jobs import run_job
from inpaint_core.masks.ops import feather, grow_mask
from inpaint_core.video.native import from_av
from tests import media_fixtures as mf

GROW, FEATHER = 2, 2.0


FIXTURES = {
    "h264_420p_bframes": (mf.h264_bframes, ".mp4"),
    "prores_hq_422p10": (mf.prores_hq, ".mov"),
    "hevc_hlg_420p10": (mf.hevc_hlg, ".mp4"),
    "ffv1_444p12": (mf.ffv1_444p12, ".mkv"),
    "prores4444_alpha": (mf.prores_4444_alpha, ".mov"),
    "ffv1_gbrp10": (mf.ffv1_gbrp, ".mkv"),
    "ffv1_gray10": (mf.ffv1_gray10, ".mkv"),
    "ffv1_rgb8": (mf.ffv1_rgb8, ".mkv"),
}


def export(src, out, masks=None, **kw):
    m = mf.logo_mask() if masks is None else masks
    kw.setdefault("engine", "propagate")
    return run_job(export_video(src, m, out, grow=GROW, feather=FEATHER, **kw), lambda p: None)


def native_frames(path):
    with av.open(str(path)) as c:
        return [from_av(f) for f in c.decode(video=0)]


def touched(mask):
    """(H, W) bool: pixels the export may change (alpha > 0 of the grown, feathered mask)."""
    return feather(grow_mask(mask, GROW), FEATHER) > 0


def plane_region(region, sub):
    sx, sy = sub
    h, w = region.shape
    bh, bw = 1 << sy, 1 << sx
    pad = np.pad(region, ((0, -h % bh), (0, -w % bw)))
    return pad.reshape(pad.shape[0] // bh, bh, pad.shape[1] // bw, bw).any(axis=(1, 3))


def ffmpeg_clean(path):
    if shutil.which("ffmpeg") is None:
        return
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True)
    if "[ffv1" in r.stderr and "format not supported" in r.stderr and _ffmpeg_major() < 7:
        return  # an FFmpeg older than 7 cannot decode this FFV1 sample format (e.g. yuva444p12le)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def _ffmpeg_major() -> int:
    out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split()
    try:
        return int(out[2].split(".")[0])
    except (IndexError, ValueError):
        return 0


def packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def psnr10(a, b, keep):
    d = a.astype(np.float64)[keep] - b.astype(np.float64)[keep]
    mse = float(np.mean(d * d))
    return 99.0 if mse == 0 else 10 * np.log10(1023.0 ** 2 / mse)


def decoded(path):
    with av.open(str(path)) as c:
        return [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
