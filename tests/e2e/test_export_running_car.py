"""Export of the real running_car clip (972x540, AAC, a shot cut) with its watermark mask."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core import metrics
from inpaint_core.export import export_video
from inpaint_core.jobs import run_job
from inpaint_core.masks import grow_mask, read_mask_image
from inpaint_core.video import VideoReader, VideoWriter, probe
from tests.shared import clip_path, shared_path

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_running_car_export_keeps_timing_audio_and_outside_quality(tmp_path):
    src = clip_path("running_car")
    mask = read_mask_image(shared_path("data", "clips", "running_car", "watermark_mask.png"), size=(972, 540))
    out = tmp_path / "clean.mp4"
    res = run_job(export_video(src, mask, out, engine="telea", work_size=(486, 270), residuals="none",
                               grow=2, feather=2.0))
    si, oi = probe(src), probe(out)
    assert (oi.width, oi.height) == (si.width, si.height) == (972, 540)
    assert oi.frame_count == si.frame_count == res.frames == 292
    sample = set(range(0, 292, 24))
    with VideoReader(src) as a, VideoReader(out) as b:
        np.testing.assert_allclose(b.times, a.times, atol=1e-3)
        src_frames = {i: f for i, f in a.iter_frames() if i in sample}
        out_frames = {i: f for i, f in b.iter_frames() if i in sample}
    assert len(oi.audio) == 1 and oi.audio[0].codec == si.audio[0].codec == "aac"
    assert abs(oi.audio[0].duration - si.audio[0].duration) < 0.05
    # a plain re-encode of the same clip with the same settings
    plain = tmp_path / "plain.mp4"
    with VideoReader(src) as r, VideoWriter(plain, width=972, height=540, time_base=r.info.time_base,
                                            rate=r.info.rate, crf=res.crf, color=r.info) as w:
        for i, f in r.iter_frames():
            w.write(f, r.pts[i])
    with VideoReader(plain) as p:
        plain_frames = {i: f for i, f in p.iter_frames() if i in sample}
    outside = grow_mask(mask, 2 + 3 + 8) == 0
    sel = np.where(outside, 255, 0).astype(np.uint8)  # score the pixels outside the mask
    mse_exp = np.mean([metrics.mse(out_frames[i], src_frames[i], sel) for i in sample])
    mse_plain = np.mean([metrics.mse(plain_frames[i], src_frames[i], sel) for i in sample])
    p_exp, p_plain = metrics.psnr_from_mse(mse_exp), metrics.psnr_from_mse(mse_plain)
    # the export composites in the source's own YUV samples, so outside the mask it is at least as
    # close to the source as a plain re-encode through RGB (it measured about 3 dB closer)
    assert p_exp >= p_plain - 0.5, (p_exp, p_plain)
    # inside the logo the picture changed (it was filled)
    inside = mask > 0
    for i in (0, 96, 288):
        assert np.abs(out_frames[i][inside].astype(int) - src_frames[i][inside]).mean() > 2
