"""Faithful media, samples: the export is the source outside the grown, feathered mask in every
plane of every sample format, deep sources keep their precision, the fill layer, rotation, odd sizes."""

from __future__ import annotations

import av
import numpy as np
import pytest

from inpaint_core.video.native import planar_format
from tests import media_fixtures as mf
from tests.faithful_checks import (
    FIXTURES,
    export,
    ffmpeg_clean,
    native_frames,
    plane_region,
    touched,
)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_ffv1_export_is_the_source_outside_the_mask_in_every_plane(clips, tmp_path, name):
    src = clips[name]
    out = tmp_path / "out.mkv"
    res = export(src, out)
    a, b = native_frames(src), native_frames(out)
    assert len(a) == len(b) == res.frames
    with av.open(str(src)) as c:
        src_fmt = c.streams.video[0].codec_context.pix_fmt
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "ffv1"
        # the source's own sample format (8-bit RGB: bgr0, the same samples, as FFV1 has no gbrp)
        assert planar_format(s.codec_context.pix_fmt) == a[0].pix_fmt, (src_fmt, s.codec_context.pix_fmt)
        assert s.codec_context.pix_fmt == (src_fmt if src_fmt != "gbrp" else "bgr0")
    region = touched(mf.logo_mask())
    inner = mf.logo_mask() > 0
    for fa, fb in zip(a, b):
        assert fb.pix_fmt == fa.pix_fmt and len(fb.planes) == len(fa.planes)
        changed = False
        for k, (pa, pb) in enumerate(zip(fa.planes, fb.planes)):
            r = plane_region(region, fa.plane_sub(k))
            assert np.array_equal(pa[~r], pb[~r]), f"plane {k} differs outside the mask"
            changed |= not np.array_equal(pa[plane_region(inner, fa.plane_sub(k))],
                                          pb[plane_region(inner, fa.plane_sub(k))])
        assert changed, "the fill did not change the masked region"
    ffmpeg_clean(out)


def test_deep_source_fill_uses_more_than_256_levels(tmp_path):
    src = mf.make_clip(tmp_path / "grad.mkv", "ffv1", "yuv444p10le", n=4, w=256, h=144, options={"level": "3"})
    mask = np.zeros((144, 256), np.uint8)
    mask[30:114, 60:200] = 255
    out = tmp_path / "out.mkv"
    export(src, out, masks=mask, work_size=(128, 72))
    y = native_frames(out)[2].planes[0]
    levels = len(np.unique(y[40:104, 70:190]))
    print(f"distinct 10-bit luma levels inside the hole: {levels}")
    assert levels > 256


@pytest.mark.parametrize("layer_name", ["layer", "layer.mov"])
def test_fill_layer_over_the_source_reproduces_the_export(clips, tmp_path, layer_name):
    import json

    import cv2

    src = clips["ffv1_444p12"]
    out, layer = tmp_path / "out.mkv", tmp_path / layer_name
    res = export(src, out, fill_layer=layer)
    with av.open(str(src)) as c:
        s16 = [f.to_ndarray(format="rgb48le").astype(np.float64) for f in c.decode(video=0)]
    with av.open(str(out)) as c:
        o16 = [f.to_ndarray(format="rgb48le").astype(np.float64) for f in c.decode(video=0)]
    if layer.suffix == "":
        doc = json.loads((layer / "timestamps.json").read_text())
        assert doc["frame_count"] == res.frames
        rgba = [cv2.cvtColor(cv2.imread(str(layer / f"fill_{k:06d}.png"), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
                .astype(np.float64) for k in range(res.frames)]
    else:
        with av.open(str(layer)) as c:
            cc = c.streams.video[0].codec_context
            assert (cc.name, cc.profile) == ("prores", "4444") and "yuva444" in cc.pix_fmt
            rgba = [f.to_ndarray(format="rgba64le").astype(np.float64) for f in c.decode(video=0)]
            with av.open(str(src)) as c0:
                with av.open(str(layer)) as c1:
                    assert np.allclose([f.time for f in c0.decode(video=0)], [f.time for f in c1.decode(video=0)],
                                       atol=1e-3)
    region = touched(mf.logo_mask())
    worst = 99.0
    for s, o, la in zip(s16, o16, rgba):
        a = la[..., 3:] / 65535.0
        assert np.all(a[~region] <= (0 if layer.suffix == "" else 2 / 1023))  # transparent off the mask
        comp = a * la[..., :3] + (1 - a) * s
        inside = region
        mse = np.mean((comp[inside] - o[inside]) ** 2) / 65535.0 ** 2
        worst = min(worst, 99.0 if mse == 0 else 10 * np.log10(1 / mse))
        outside = ~region
        assert np.abs(comp[outside] - s[outside]).max() <= (0 if layer.suffix == "" else 0.01 * 65535)
    print(f"fill layer over the source vs the export inside the mask: worst PSNR {worst:.1f} dB")
    assert worst > 35


@pytest.mark.parametrize("ext", [".mkv", ".mov"])
def test_rotated_source_keeps_its_rotation_and_coded_samples(tmp_path, ext):
    from inpaint_core.video import VideoReader, probe

    # coded 128x72, shown upright as 72x128 (a phone clip held upright)
    src = mf.make_clip(tmp_path / "rot.mov", "prores_ks", "yuv422p10le", n=5, options={"profile": "3"},
                       rotate_ccw=90)
    si = probe(src)
    assert si.rotation == 270 and (si.width, si.height) == (72, 128)
    disp_mask = np.ascontiguousarray(np.rot90(mf.logo_mask(), k=-3))  # the logo, as the user sees it
    out = tmp_path / f"out{ext}"
    export(src, out, masks=disp_mask)
    oi = probe(out)
    assert oi.rotation == si.rotation and (oi.coded_width, oi.coded_height) == (128, 72)
    region = touched(mf.logo_mask())  # in coded orientation
    for fa, fb in zip(native_frames(src), native_frames(out)):
        if ext == ".mkv":
            for k, (pa, pb) in enumerate(zip(fa.planes, fb.planes)):
                r = plane_region(region, fa.plane_sub(k))
                assert np.array_equal(pa[~r], pb[~r]), k
        assert not np.array_equal(fa.planes[0][region], fb.planes[0][region])
    with VideoReader(src) as a, VideoReader(out) as b:
        fa, fb = a.frame(2), b.frame(2)
        keep = ~touched(disp_mask)
        assert np.abs(fa[keep].astype(int) - fb[keep]).mean() < 1.0


def test_odd_sized_420_source_with_a_mask_on_the_edge(tmp_path):
    """Partial chroma blocks on the right and bottom edges follow the same rule."""
    src = mf.make_clip(tmp_path / "odd.mkv", "ffv1", "yuv420p10le", n=4, w=127, h=71, options={"level": "3"})
    m = np.zeros((71, 127), np.uint8)
    m[40:71, 100:127] = 255
    out = tmp_path / "out.mkv"
    export(src, out, masks=m)
    region = touched(m)
    for fa, fb in zip(native_frames(src), native_frames(out)):
        assert [p.shape for p in fb.planes] == [(71, 127), (36, 64), (36, 64)]
        for k, (pa, pb) in enumerate(zip(fa.planes, fb.planes)):
            r = plane_region(region, fa.plane_sub(k))
            assert np.array_equal(pa[~r], pb[~r]), k
            assert not np.array_equal(pa[r], pb[r]), k
    ffmpeg_clean(out)
