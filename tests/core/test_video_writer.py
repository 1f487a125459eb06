"""VideoWriter on small synthetic clips: formats, timestamps, audio, colour tags, atomic writes."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from inpaint_core.errors import Cancelled, OutputError, VideoError
from inpaint_core.jobs import CancelToken
from inpaint_core.video import ColorInfo, VideoReader, VideoWriter, output_format, probe
from inpaint_core.video.sinks import read_png_timestamps
from tests.synth import frame_id, make_video


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    d = tmp_path_factory.mktemp("wsrc")
    clip = make_video(d / "vfr_audio.mp4", n=24, vfr=True, audio=True)
    with VideoReader(clip.path) as r:
        frames = [f for _, f in r.iter_frames()]
        info = r.info
        pts = list(r.pts)
    return clip, frames, info, pts


def write_all(path, frames, info, pts, **kw):
    with VideoWriter(path, width=info.width, height=info.height, time_base=info.time_base,
                     rate=info.rate, color=info, **kw) as w:
        for f, p in zip(frames, pts):
            w.write(f, p)
    return path


def leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def test_ffv1_is_lossless_and_keeps_timestamps(src, tmp_path):
    clip, frames, info, pts = src
    out = write_all(tmp_path / "out.mkv", frames, info, pts, audio_from=clip.path)
    assert leftovers(tmp_path, {"out.mkv"}) == []
    with VideoReader(out) as r:
        assert r.info.codec == "ffv1" and r.info.pix_fmt in ("bgr0", "gbrp")
        assert len(r) == len(frames)
        for i, f in r.iter_frames():
            assert np.array_equal(f, frames[i])
        # Matroska keeps milliseconds: the only tolerance is the container's precision
        src_times = [float(p * info.time_base) for p in pts]
        assert [float(p * r.info.time_base) for p in r.pts] == pytest.approx(src_times, abs=0.0005)
        assert r.info.variable_frame_rate
        assert [a.codec for a in r.info.audio] == ["aac"]
        assert r.info.audio[0].duration == pytest.approx(info.audio[0].duration, abs=1024 / 44100)


def test_h264_keeps_exact_vfr_pts_quality_and_audio(src, tmp_path):
    clip, frames, info, pts = src
    out = write_all(tmp_path / "out.mp4", frames, info, pts, crf=18, audio_from=clip.path)
    with VideoReader(out) as r:
        assert r.info.codec == "h264" and r.info.pix_fmt == "yuv420p"
        assert [p * r.info.time_base for p in r.pts] == [p * info.time_base for p in pts]
        decoded = [f for _, f in r.iter_frames()]
    assert [frame_id(f) for f in decoded] == list(range(len(frames)))
    assert min(psnr(a, b) for a, b in zip(decoded, frames)) > 35
    a_in, a_out = info.audio[0], probe(out).audio[0]
    assert a_out.codec == a_in.codec == "aac"
    assert a_out.duration == pytest.approx(a_in.duration, abs=1024 / 44100)


def test_colour_tags_are_carried(src, tmp_path):
    clip, frames, info, pts = src
    color = ColorInfo("tv", "bt709", "bt709", "bt709")
    with VideoWriter(tmp_path / "c.mp4", width=96, height=64, time_base=info.time_base, rate=info.rate,
                     color=color) as w:
        for f, p in zip(frames[:4], pts):
            w.write(f, p)
    got = probe(tmp_path / "c.mp4")
    assert (got.color_range, got.color_space, got.color_primaries, got.color_trc) == ("tv", "bt709", "bt709", "bt709")
    with VideoReader(tmp_path / "c.mp4") as r:
        assert psnr(r.frame(0), frames[0]) > 35  # the matrix used to encode is the one tagged


def test_png_sequence_folder_with_timestamps(src, tmp_path):
    clip, frames, info, pts = src
    out = write_all(tmp_path / "seq", frames[:6], info, pts[:6])
    names = sorted(os.listdir(out))
    assert names == [f"frame_{i:06d}.png" for i in range(6)] + ["timestamps.json"]
    doc = read_png_timestamps(out)
    assert doc["pts"] == pts[:6] and doc["time_base"] == info.time_base
    assert doc["times"] == pytest.approx([float((p - pts[0]) * info.time_base) for p in pts[:6]])
    img = cv2.cvtColor(cv2.imread(str(out / "frame_000003.png")), cv2.COLOR_BGR2RGB)
    assert np.array_equal(img, frames[3])
    json.loads((out / "timestamps.json").read_text())
    assert leftovers(tmp_path, {"seq"}) == []
    # writing again replaces the folder as a whole
    write_all(tmp_path / "seq", frames[:2], info, pts[:2])
    assert len(os.listdir(out)) == 3
    assert leftovers(tmp_path, {"seq"}) == []


@pytest.mark.parametrize("name,codec,audio", [("o.webm", "vp9", "opus"), ("o.mov", "prores", "aac")])
def test_other_formats(src, tmp_path, name, codec, audio):
    clip, frames, info, pts = src
    out = write_all(tmp_path / name, frames[:8], info, pts[:8], audio_from=clip.path)
    got = probe(out)
    assert got.codec == codec and got.frame_count == 8
    assert [a.codec for a in got.audio] == [audio]
    with VideoReader(out) as r:
        assert [frame_id(f) for _, f in r.iter_frames()] == list(range(8))


def test_audio_the_container_refuses_is_reencoded_to_aac(tmp_path):
    """PCM audio cannot go into MP4: it becomes AAC of the same length; Matroska copies it."""
    clip = make_video(tmp_path / "pcm.mkv", n=20, audio=True, audio_codec="pcm_s16le")
    info = probe(clip.path)
    assert [a.codec for a in info.audio] == ["pcm_s16le"]
    with VideoReader(clip.path) as r:
        frames = [f for _, f in r.iter_frames()]
    for name, codec in (("o.mp4", "aac"), ("o.mkv", "pcm_s16le")):
        out = write_all(tmp_path / name, frames, info, clip.pts, audio_from=clip.path)
        a = probe(out).audio
        assert [x.codec for x in a] == [codec]
        assert a[0].duration == pytest.approx(info.audio[0].duration, abs=2048 / 44100)


def test_h265(src, tmp_path):
    clip, frames, info, pts = src
    out = write_all(tmp_path / "o.mp4", frames[:6], info, pts[:6], format="h265")
    got = probe(out)
    assert got.codec == "hevc" and got.frame_count == 6


def test_audio_is_cut_to_the_range(src, tmp_path):
    clip, frames, info, pts = src
    a, b = 5, 17
    t0 = float((pts[a] - pts[0]) * info.time_base)
    t1 = float((pts[b] - pts[0]) * info.time_base)
    shifted = [p - pts[a] for p in pts[a:b]]
    out = write_all(tmp_path / "cut.mp4", frames[a:b], info, shifted, audio_from=clip.path,
                    audio_start=t0, audio_end=t1)
    got = probe(out)
    assert got.frame_count == b - a
    assert got.audio[0].duration == pytest.approx(t1 - t0, abs=2 * 1024 / 44100)
    # re-encoded (webm) audio is cut at the sample
    out = write_all(tmp_path / "cut.webm", frames[a:b], info, shifted, audio_from=clip.path,
                    audio_start=t0, audio_end=t1)
    assert probe(out).audio[0].duration == pytest.approx(t1 - t0, abs=0.03)


def test_abort_and_exceptions_leave_nothing(src, tmp_path):
    clip, frames, info, pts = src
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous export")
    with pytest.raises(RuntimeError):
        with VideoWriter(target, width=96, height=64, time_base=info.time_base, rate=info.rate) as w:
            w.write(frames[0], pts[0])
            raise RuntimeError("boom")
    assert target.read_bytes() == b"previous export"
    assert leftovers(tmp_path, {"keep.mp4"}) == []
    w = VideoWriter(tmp_path / "x.mkv", width=96, height=64, time_base=info.time_base, rate=info.rate)
    w.write(frames[0], pts[0])
    w.abort()
    assert leftovers(tmp_path, {"keep.mp4"}) == []


def test_cancel_leaves_nothing(src, tmp_path):
    clip, frames, info, pts = src
    token = CancelToken()
    w = VideoWriter(tmp_path / "c.mp4", width=96, height=64, time_base=info.time_base, rate=info.rate,
                    cancel=token, audio_from=clip.path)
    w.write(frames[0], pts[0])
    token.cancel()
    with pytest.raises(Cancelled):
        w.write(frames[1], pts[1])
    assert os.listdir(tmp_path) == []


def test_disk_full_becomes_output_error(src, tmp_path, monkeypatch):
    clip, frames, info, pts = src
    w = VideoWriter(tmp_path / "f.mkv", width=96, height=64, time_base=info.time_base, rate=info.rate)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(w._sink, "write", full)
    with pytest.raises(OutputError, match="disk is full"):
        w.write(frames[0], pts[0])
    assert os.listdir(tmp_path) == []



def test_unwritable_or_missing_folder(src, tmp_path):
    clip, frames, info, pts = src
    kw = dict(width=96, height=64, time_base=info.time_base, rate=info.rate)
    with pytest.raises(OutputError, match="does not exist"):
        VideoWriter(tmp_path / "missing" / "o.mp4", **kw)
    with pytest.raises(VideoError):
        VideoWriter(tmp_path / "o.mp4", audio_from=tmp_path / "nope.mp4", **kw)
    assert leftovers(tmp_path, set()) == []


def test_bad_write_arguments(src, tmp_path):
    clip, frames, info, pts = src
    with VideoWriter(tmp_path / "o.mkv", width=96, height=64, time_base=info.time_base, rate=info.rate) as w:
        w.write(frames[0], 10)
        with pytest.raises(ValueError):
            w.write(frames[1], 10)
        with pytest.raises(ValueError):
            w.write(frames[1][:10], 20)
        w.write(frames[1], 20)
    with pytest.raises(OutputError, match="even"):
        VideoWriter(tmp_path / "odd.mp4", width=95, height=64, time_base=info.time_base, rate=info.rate)
    with pytest.raises(OutputError, match="No frames"):
        VideoWriter(tmp_path / "e.mkv", width=96, height=64, time_base=info.time_base, rate=info.rate).close()
    assert leftovers(tmp_path, {"o.mkv"}) == []


def test_output_format_resolution(tmp_path):
    assert output_format("a.mp4").codec == "libx264"
    assert output_format("a.MOV").codec == "prores_ks"
    assert output_format("a.mkv").pix_fmt in ("bgr0", "gbrp") and output_format("a.mkv").lossless
    assert output_format("a.webm").codec == "libvpx-vp9"
    assert output_format(tmp_path / "frames").is_folder
    assert output_format("a.mp4", "h265").codec == "libx265"
    assert output_format("a.mkv", "h265").container == "matroska"
    assert output_format("out", "png").is_folder
    assert output_format("a.mp4", "h264").name == "mp4"
    with pytest.raises(OutputError, match="Unknown output format"):
        output_format("a.mp4", "gif")
    with pytest.raises(OutputError, match="extension"):
        output_format("a.avi")
    with pytest.raises(OutputError):
        output_format("a.mp4", "webm")


def test_temp_files_of_killed_writers_are_swept_but_live_ones_kept(src, tmp_path):
    """A process killed outright (SIGKILL) cannot clean up: the next writer for the same target
    removes what dead processes left, never what a live one is writing."""
    clip, frames, info, pts = src
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_file = tmp_path / f".out.mkv.{dead.pid}-0123abcd.tmp.mkv"
    stale_file.write_bytes(b"half an export")
    stale_dir = tmp_path / f".seq.{dead.pid}-89abcdef.tmp"
    stale_dir.mkdir()
    (stale_dir / "frame_000000.png").write_bytes(b"x")
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live_file = tmp_path / f".out.mkv.{live.pid}-00000000.tmp.mkv"
        live_file.write_bytes(b"another export in progress")
        other = tmp_path / f".other.mkv.{dead.pid}-0123abcd.tmp.mkv"  # another target: not ours
        other.write_bytes(b"x")
        write_all(tmp_path / "out.mkv", frames[:2], info, pts[:2])
        assert not stale_file.exists()
        assert live_file.exists() and other.exists()
        with VideoWriter(tmp_path / "seq", format="png", width=96, height=64, time_base=info.time_base,
                         rate=info.rate) as w:
            w.write(frames[0], pts[0])
        assert not stale_dir.exists()
    finally:
        live.kill()
        live.wait()
