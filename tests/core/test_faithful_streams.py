"""Faithful media, streams and tags: match-source encoding (profile, depth, colour, HDR), timecode,
audio, subtitles, container tags, warnings before a lossy output, vanish info."""

from __future__ import annotations

import subprocess
import sys

import av
import numpy as np
import pytest

from tests import media_fixtures as mf
from tests.faithful_checks import (
    export,
    ffmpeg_clean,
    native_frames,
    packets,
    psnr10,
    touched,
)


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


def test_range_timecode_counts_drop_frame():
    from fractions import Fraction

    from inpaint_core.export.media import shift_timecode

    ntsc = Fraction(30000, 1001)
    assert shift_timecode("00:00:59;29", 1, ntsc) == "00:01:00;02"  # frames ;00 and ;01 are skipped
    assert shift_timecode("00:09:59;29", 1, ntsc) == "00:10:00;00"  # but not at every tenth minute
    assert shift_timecode("00:00:00;00", 17982, ntsc) == "00:10:00;00"
    assert shift_timecode("01:00:00:00", 2, Fraction(24)) == "01:00:00:02"
    assert shift_timecode("23:59:59:23", 1, Fraction(24)) == "00:00:00:00"


def test_hdr10_metadata_goes_into_h264_too(tmp_path):
    from inpaint_core.video import probe

    src = mf.hevc_hdr10(tmp_path / "hdr10.mp4")
    out = tmp_path / "out.mp4"
    export(src, out, fmt="mp4")  # H.264 8-bit asked for: the depth is lost (warned), the metadata is kept
    oi = probe(out)
    assert oi.codec == "h264" and oi.hdr == probe(src).hdr


def test_interlaced_source_is_said_and_not_spliced(tmp_path):
    from inpaint_core.video import probe
    from inpaint_core.video.match import plan_output

    src = mf.make_clip(tmp_path / "i.mp4", "libx264", "yuv420p", n=4,
                       options={"flags": "+ildct+ilme", "x264-params": "interlaced=1:tff=1"})
    info = probe(src)
    plan = plan_output(info, tmp_path / "o.mp4")
    assert info.interlaced and not plan.gop_ok and not plan.copy_ok
    assert any("interlaced" in x for x in plan.losses)
