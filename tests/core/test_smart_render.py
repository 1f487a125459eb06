"""Smart render: frames or whole GOPs without a mask are the source's packets; fallbacks say why."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests import media_fixtures as mf
from tests.faithful_checks import (
    decoded,
    export,
    ffmpeg_clean,
    packets,
)


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


@pytest.mark.shared
@pytest.mark.parametrize("name", ["sample_576x324", "sample_640x360"])
def test_long_gop_smart_render_on_real_clips(tmp_path, name):
    """Real encoder output (B-frames or none, variable frame rate, AAC): the GOPs without a mask
    decode bit-identical, the rest re-encoded, timing and audio kept, no decoder message."""
    from inpaint_core.export.gop import GopLayout
    from inpaint_core.video import VideoReader, probe
    from tests.shared import clip_path

    src = clip_path(name)
    si = probe(src)
    with VideoReader(src) as r:
        layout = GopLayout(src, r.pts)
    assert layout.ok, layout.why
    m = np.zeros((si.height, si.width), np.uint8)
    m[20:80, 20:120] = 255
    a, b = layout.starts[1], layout.starts[1] + 5  # inside the second GOP only
    out = tmp_path / "out.mp4"
    res = export(src, out, masks=lambda k: m if a <= k < b else np.zeros_like(m), engine="telea", residuals="none")
    g0, g1 = layout.starts[1], layout.starts[2] if len(layout.starts) > 2 else si.frame_count
    assert res.encoded == g1 - g0 and res.copied == si.frame_count - (g1 - g0)
    oi = probe(out)
    assert oi.frame_count == si.frame_count and [x.codec for x in oi.audio] == ["aac"]
    with VideoReader(src) as A, VideoReader(out) as B:
        np.testing.assert_allclose(B.times, A.times, atol=1e-3)
        for k in (0, g0 - 1, g1, si.frame_count - 1):
            if not g0 <= k < g1:
                assert np.array_equal(A.frame(k), B.frame(k)), k
    ffmpeg_clean(out)


def test_cancelled_then_resumed_spliced_export_gives_the_same_frames(clips, tmp_path):
    from inpaint_core.errors import Cancelled
    from inpaint_core.export import export_video
    from inpaint_core.export.resume import partial_dir
    from inpaint_core.jobs import CancelToken, Progress, run_job

    src = clips["h264_420p_bframes"]
    m = mf.logo_mask()
    masks = lambda i: m if 6 <= i < 12 else np.zeros_like(m)  # noqa: E731
    kw = dict(engine="telea", residuals="none", chunk_frames=6, shots=[(0, 18)], grow=2, feather=2.0)
    whole = tmp_path / "whole.mp4"
    run_job(export_video(src, masks, whole, **kw), lambda p: None)
    out = tmp_path / "resumed.mp4"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 12:
            token.cancel()

    with pytest.raises(Cancelled):
        run_job(export_video(src, masks, out, cancel=token, **kw), on)
    assert not out.exists() and len(list(partial_dir(out).glob("chunk_*.npz"))) == 2
    res = run_job(export_video(src, masks, out, resume=True, **kw), lambda p: None)
    assert (res.resumed_chunks, res.copied, res.encoded) == (2, 12, 6)
    a, b = decoded(whole), decoded(out)
    assert len(a) == len(b) == 18
    for (ta, fa), (tb, fb) in zip(a, b):
        assert abs(ta - tb) < 1e-3 and np.array_equal(fa, fb)
    ffmpeg_clean(out)


def test_dnxhr_source_keeps_its_profile_and_copies_unmasked_frames(tmp_path):
    src = mf.make_clip(tmp_path / "dnx.mov", "dnxhd", "yuv422p", n=6, w=256, h=144, options={"profile": "dnxhr_hq"})
    out = tmp_path / "out.mov"
    m = np.zeros((144, 256), np.uint8)
    m[40:100, 60:200] = 255
    res = export(src, out, masks=lambda i: m if i in (2, 3) else np.zeros_like(m))
    assert (res.copied, res.encoded) == (4, 2)
    with av.open(str(out)) as c:
        cc = c.streams.video[0].codec_context
        assert (cc.name, cc.profile, cc.pix_fmt) == ("dnxhd", "DNXHR HQ", "yuv422p")
    p1, p2 = packets(src), packets(out)
    assert [i for i in range(6) if p1[i] == p2[i]] == [0, 1, 4, 5]
    ffmpeg_clean(out)


@pytest.mark.parametrize("profile,pix_fmt,name", [("0", "yuv422p10le", "Proxy"), ("1", "yuv422p10le", "LT"),
                                                  ("2", "yuv422p10le", "Standard"), ("5", "yuv444p10le", "XQ")])
def test_every_prores_profile_is_kept_and_copied(tmp_path, profile, pix_fmt, name):
    src = mf.make_clip(tmp_path / "src.mov", "prores_ks", pix_fmt, n=4, options={"profile": profile})
    out = tmp_path / "out.mov"
    m = mf.logo_mask()
    res = export(src, out, masks=lambda i: m if i == 1 else np.zeros_like(m))
    assert (res.copied, res.encoded) == (3, 1)
    with av.open(str(src)) as c1, av.open(str(out)) as c2:
        a, b = c1.streams.video[0].codec_context, c2.streams.video[0].codec_context
        assert (b.profile, b.codec_tag) == (name, a.codec_tag)
