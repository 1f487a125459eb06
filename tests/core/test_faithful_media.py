"""Faithful media: exports keep the source's samples outside the mask, its codec/profile/tags by
default, every audio stream and the timecode; unmasked ProRes frames are packet copies."""

from __future__ import annotations

import shutil
import subprocess
import sys

import av
import numpy as np
import pytest

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
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("faithful")
    return {k: make(d / f"{k}{ext}") for k, (make, ext) in FIXTURES.items()}


def export(src, out, masks=None, **kw):
    m = mf.logo_mask() if masks is None else masks
    return run_job(export_video(src, m, out, engine="propagate", grow=GROW, feather=FEATHER, **kw), lambda p: None)


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
        assert s.codec_context.pix_fmt == a[0].pix_fmt, (src_fmt, s.codec_context.pix_fmt)
    region = touched(mf.logo_mask())
    inner = grow_mask(mf.logo_mask(), 0) > 0
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


def packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def psnr10(a, b, keep):
    d = a.astype(np.float64)[keep] - b.astype(np.float64)[keep]
    mse = float(np.mean(d * d))
    return 99.0 if mse == 0 else 10 * np.log10(1023.0 ** 2 / mse)


def test_prores_hq_to_mov_keeps_profile_tags_timecode_audio_and_copies_unmasked_frames(clips, tmp_path):
    src = clips["prores_hq_422p10"]
    out = tmp_path / "out.mov"
    m = mf.logo_mask()
    masked = {2, 3, 4}
    res = export(src, out, masks=lambda i: m if i in masked else np.zeros_like(m))
    with av.open(str(src)) as c1, av.open(str(out)) as c2:
        v1, v2 = c1.streams.video[0], c2.streams.video[0]
        assert (v2.codec_context.name, v2.codec_context.profile, v2.codec_context.pix_fmt) == ("prores", "HQ", "yuv422p10le")
        assert v2.codec_context.codec_tag == "apch"
        assert v2.metadata.get("timecode") == "01:00:00:00"
        assert (int(v1.codec_context.color_primaries), int(v1.codec_context.color_trc)) == (1, 1)  # BT.709
        for k in ("color_range", "colorspace", "color_primaries", "color_trc"):
            assert getattr(v2.codec_context, k) == getattr(v1.codec_context, k), k
        assert [s.codec_context.name for s in c2.streams.audio] == ["pcm_s16le"]
    assert (res.copied, res.encoded) == (len(packets(src)) - len(masked), len(masked))
    p1, p2 = packets(src), packets(out)
    same = [i for i in range(len(p1)) if p1[i] == p2[i]]
    assert same == [i for i in range(len(p1)) if i not in masked]
    # the PCM samples are the source's, bit for bit
    def pcm(path):
        with av.open(str(path)) as c:
            return b"".join(bytes(p) for p in c.demux(audio=0) if p.size)
    assert pcm(out) == pcm(src)
    # masked frames: one ProRes generation from the source outside the mask
    a, b = native_frames(src), native_frames(out)
    keep = ~touched(m)
    worst = min(psnr10(a[i].planes[0], b[i].planes[0], keep) for i in masked)
    print(f"masked frames, luma PSNR outside the mask at 10 bits: {worst:.1f} dB")
    assert worst >= 50
    ffmpeg_clean(out)


def test_prores_range_export_shifts_timecode_and_cuts_audio(clips, tmp_path):
    src = clips["prores_hq_422p10"]
    out = tmp_path / "cut.mov"
    res = export(src, out, start=2, end=6)
    assert res.frames == 4
    with av.open(str(out)) as c:
        assert c.streams.video[0].metadata.get("timecode") == "01:00:00:02"
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(a))
    assert abs(samples - 4 * 2000) <= 2000  # 4 frames at 24 fps of 48 kHz audio, within a packet


@pytest.mark.parametrize("ext", [".mp4", ".mov"])
def test_hevc_hlg_default_keeps_main10_hlg_tags_and_both_audio_streams(clips, tmp_path, ext):
    out = tmp_path / f"out{ext}"
    export(clips["hevc_hlg_420p10"], out)
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.name, cc.profile, cc.pix_fmt) == ("hevc", "Main 10", "yuv420p10le")
        assert cc.codec_tag == "hvc1"  # nothing copied: the sample entry QuickTime plays
        assert (int(cc.color_trc), int(cc.color_primaries), int(cc.colorspace)) == (18, 9, 9)
        assert len(c.streams.audio) == 2
    ffmpeg_clean(out)


def test_cli_warns_about_8bit_h264_before_encoding(clips, tmp_path):
    import cv2

    mpath = tmp_path / "m.png"
    cv2.imwrite(str(mpath), mf.logo_mask())
    out = tmp_path / "o.mp4"
    r = subprocess.run([sys.executable, "-m", "inpaint_core.cli", "export", str(clips["hevc_hlg_420p10"]),
                        "--masks", str(mpath), "--out", str(out), "--format", "mp4"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    err = r.stderr
    assert "warning:" in err and "10-bit samples become 8-bit" in err and "HLG" in err
    assert "without --format (HEVC yuv420p10le)" in err
    assert err.index("warning:") < err.index("wrote ")
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"


def decoded(path):
    with av.open(str(path)) as c:
        return [(f.time, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


@pytest.mark.parametrize("ext", [".mp4", ".mov"])
def test_h264_long_gop_smart_render_copies_the_unmasked_gops(clips, tmp_path, ext):
    """GOPs 0-5 and 12-17 have no mask: their packets are the source's (the IDR gets the source's
    SPS/PPS in front); GOP 6-11 is re-encoded. Everything decodes cleanly with the source's timing."""
    src = clips["h264_420p_bframes"]
    out = tmp_path / f"out{ext}"
    m = mf.logo_mask()
    res = export(src, out, masks=lambda i: m if 6 <= i < 12 else np.zeros_like(m))
    assert (res.copied, res.encoded, res.note) == (12, 6, "")
    with av.open(str(src)) as c1, av.open(str(out)) as c2:
        p1 = {p.pts: bytes(p) for p in c1.demux(video=0) if p.size}
        p2 = {p.pts: (bytes(p), p.is_keyframe) for p in c2.demux(video=0) if p.size}
    pts = sorted(p1)
    assert sorted(p2) == pts
    copied = [k for k, t in enumerate(pts) if p2[t][0] == p1[t] or (p2[t][1] and p2[t][0].endswith(p1[t]))]
    assert copied == [*range(6), *range(12, 18)]
    a, b = decoded(src), decoded(out)  # PyAV decodes every packet without an error
    assert len(a) == len(b) == 18
    assert np.allclose([t for t, _ in a], [t for t, _ in b], atol=1e-3)
    same = [k for k in range(18) if np.array_equal(a[k][1], b[k][1])]
    assert same == [*range(6), *range(12, 18)]
    ffmpeg_clean(out)


def test_open_gop_h264_falls_back_to_reencoding_and_says_why(tmp_path):
    src = mf.make_clip(tmp_path / "open.mp4", "libx264", "yuv420p", n=18,
                       options={"bf": "2", "g": "6", "crf": "16", "preset": "ultrafast",
                                "x264-params": "b-adapt=0:scenecut=0:open-gop=1"})
    out = tmp_path / "out.mp4"
    m = mf.logo_mask()
    res = export(src, out, masks=lambda i: m if 6 <= i < 12 else np.zeros_like(m))
    assert (res.copied, res.encoded) == (0, 18)
    assert "open GOP" in res.note
    a, b = decoded(src), decoded(out)
    assert len(a) == len(b) == 18
    assert np.allclose([t for t, _ in a], [t for t, _ in b], atol=1e-3)
    ffmpeg_clean(out)


def test_info_shows_depth_chroma_alpha_timecode_and_streams(clips):
    from inpaint_core.cli.cmd_info import format_info
    from inpaint_core.video import probe

    text = format_info(probe(clips["prores_hq_422p10"]))
    assert "10-bit" in text and "4:2:2" in text and "HQ" in text and "01:00:00:00" in text
    assert "Stream #2:  data, tmcd (timecode)" in text
    text = format_info(probe(clips["prores4444_alpha"]))
    assert "alpha" in text
    text = format_info(probe(clips["hevc_hlg_420p10"]))
    assert "arib-std-b67" in text and "Audio #2" in text


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


def test_hdr10_metadata_is_kept_by_default(tmp_path):
    from inpaint_core.video import probe

    src = mf.hevc_hdr10(tmp_path / "hdr10.mp4")
    si = probe(src)
    assert si.hdr == {"master_display": "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)",
                      "max_cll": "1000,400"}
    out = tmp_path / "out.mp4"
    export(src, out)
    oi = probe(out)
    assert oi.hdr == si.hdr and (oi.color_trc, oi.color_primaries) == ("smpte2084", "bt2020")
    assert oi.profile == "Main 10"


@pytest.mark.parametrize("codec,pix_fmt", [("mjpeg", "yuvj422p"), ("png", "rgb24")])
def test_intra_mov_sources_copy_unmasked_frames(tmp_path, codec, pix_fmt):
    src = mf.make_clip(tmp_path / f"{codec}.mov", codec, pix_fmt, n=6, full=True,
                       options={"qmin": "2", "qmax": "4"} if codec == "mjpeg" else {})
    out = tmp_path / "out.mov"
    m = mf.logo_mask()
    res = export(src, out, masks=lambda i: m if i in (1, 2) else np.zeros_like(m))
    assert (res.copied, res.encoded) == (4, 2)
    p1, p2 = packets(src), packets(out)
    assert [i for i in range(6) if p1[i] == p2[i]] == [0, 3, 4, 5]
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == codec
        assert len(list(c.decode(video=0))) == 6
    ffmpeg_clean(out)


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


def test_subtitles_are_kept_where_the_container_takes_them(clips, tmp_path):
    from inpaint_core.video import probe
    from inpaint_core.video.match import plan_output

    srt = "1\n00:00:00,100 --> 00:00:00,300\nHello\n\n2\n00:00:00,400 --> 00:00:00,600\nWorld\n\n"
    src = mf.with_subtitles(clips["h264_420p_bframes"], tmp_path / "subs.mkv", srt)
    out = tmp_path / "out.mkv"
    export(src, out)
    with av.open(str(out)) as c:
        s = c.streams.subtitles[0]
        assert s.metadata.get("language") == "eng"
        texts = [bytes(p) for p in c.demux(s) if p.size]
    assert texts == [b"Hello", b"World"]
    losses = plan_output(probe(src), tmp_path / "o.mp4").losses
    assert any("subtitle stream(s) (srt)" in x and "left out" in x for x in losses)


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


def test_container_tags_are_kept(tmp_path):
    tags = {"creation_time": "2024-05-06T07:08:09.000000Z", "title": "Harbour take 3"}
    src = mf.make_clip(tmp_path / "tagged.mov", "prores_ks", "yuv422p10le", n=3, options={"profile": "3"},
                       metadata=tags)
    for ext in (".mov", ".mkv"):
        out = tmp_path / f"out{ext}"
        export(src, out)
        with av.open(str(out)) as c:
            meta = {k.lower(): v for k, v in c.metadata.items()}
        assert meta.get("title") == tags["title"]
        assert meta.get("creation_time", "").startswith("2024-05-06T07:08:09")


def test_hevc_closed_gops_are_copied_under_hev1(tmp_path):
    src = mf.make_clip(tmp_path / "hevc.mp4", "libx265", "yuv420p10le", n=18, codec_tag="hvc1",
                       options={"crf": "14", "preset": "ultrafast",
                                "x265-params": "log-level=error:keyint=6:min-keyint=6:open-gop=0:bframes=2:scenecut=0"})
    out = tmp_path / "out.mp4"
    m = mf.logo_mask()
    res = export(src, out, masks=lambda i: m if 6 <= i < 12 else np.zeros_like(m))
    assert (res.copied, res.encoded) == (12, 6) and "hev1" in res.note
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.codec_tag, cc.profile) == ("hev1", "Main 10")
    a, b = decoded(src), decoded(out)
    assert len(b) == 18 and np.allclose([t for t, _ in a], [t for t, _ in b], atol=1e-3)
    assert [k for k in range(18) if np.array_equal(a[k][1], b[k][1])] == [*range(6), *range(12, 18)]
    ffmpeg_clean(out)
