"""VideoReader and probe on small synthetic clips (no shared data needed)."""

from __future__ import annotations

import random
from fractions import Fraction

import av
import numpy as np
import pytest

from inpaint_core.video import VideoReader, probe
from inpaint_core.video.colors import frame_to_rgb
from tests.synth import TIME_BASE, frame_id, make_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("synth")
    return {
        "cfr": make_video(d / "cfr.mp4", n=40, gop=10),
        "vfr": make_video(d / "vfr.mp4", n=30, vfr=True, audio=True),
        "rot90": make_video(d / "rot90.mp4", n=12, rotate=90),
        "rot270": make_video(d / "rot270.mp4", n=12, rotate=270),
        "rot180mkv": make_video(d / "rot180.mkv", n=12, rotate=180),
        "tag90mkv": make_video(d / "tag90.mkv", n=12, rotate=90, rotate_tag=True),
        "mpeg4": make_video(d / "mpeg4.mp4", n=36, codec="mpeg4", gop=12),
        "vp9": make_video(d / "vp9.webm", n=20, gop=8),
        "mkv": make_video(d / "h264.mkv", n=30, gop=10),
    }


def sequential(path):
    """Reference decode: every frame in order, converted exactly as the reader does."""
    with av.open(str(path)) as c:
        return [frame_to_rgb(f) for f in c.decode(video=0)]


def test_probe_constant_rate(clips):
    info = probe(clips["cfr"].path)
    assert (info.width, info.height) == (96, 64)
    assert info.frame_count == 40
    assert info.time_base == TIME_BASE
    assert info.fps == Fraction(25)
    assert info.rate == Fraction(25)
    assert info.duration == pytest.approx(40 / 25)
    assert not info.variable_frame_rate
    assert info.audio == []
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.keyframe_count == 4
    assert info.shots is None


def test_probe_variable_rate_and_audio(clips):
    clip = clips["vfr"]
    info = probe(clip.path)
    assert info.variable_frame_rate
    assert info.frame_count == 30
    # the muxer may store its own duration for the last frame: within one nominal frame
    assert info.duration == pytest.approx(clip.duration, abs=1 / 25)
    assert info.fps == pytest.approx(30 / info.duration)
    assert len(info.audio) == 1
    a = info.audio[0]
    assert (a.codec, a.sample_rate, a.channels) == ("aac", 44100, 2)
    assert a.duration == pytest.approx(clip.audio_duration, abs=1024 / 44100)


def test_reader_pts_and_times_vfr(clips):
    clip = clips["vfr"]
    with VideoReader(clip.path) as r:
        assert r.pts == clip.pts
        assert r.times == pytest.approx(clip.times)
        assert len(r) == 30
        ids = [frame_id(f) for _, f in r.iter_frames()]
    assert ids == list(range(30))


@pytest.mark.parametrize("name", ["cfr", "mpeg4", "vp9", "mkv"])
def test_random_access_is_bit_identical_to_sequential(clips, name):
    clip = clips[name]
    ref = sequential(clip.path)
    assert len(ref) == len(clip)
    with VideoReader(clip.path, cache_bytes=0) as r:
        order = list(range(len(ref)))
        random.Random(1).shuffle(order)
        for i in order + [len(ref) - 1, 0, 5, 6, 7, 3]:
            got = r.frame(i)
            assert got.dtype == np.uint8 and got.flags.c_contiguous
            assert np.array_equal(got, ref[i]), f"frame {i} differs"
        assert r.seeks > 1


@pytest.mark.parametrize("name", ["cfr", "mpeg4", "vp9", "mkv"])
def test_seek_starts_at_the_nearest_keyframe(clips, name):
    """Decoding starts at the last keyframe at or before the request, not one GOP earlier."""
    clip = clips[name]
    with VideoReader(clip.path, cache_bytes=0) as r:
        keys = r._index.keyframes
        assert len(keys) >= 2
        for key in reversed(keys[1:]):
            target = min(key + 3, len(r) - 1)
            assert frame_id(r.frame(target)) == target
            assert r.seek_landed == key


def test_sequential_reads_do_not_seek(clips):
    clip = clips["cfr"]
    with VideoReader(clip.path, cache_bytes=0) as r:
        r.frame(0)
        seeks = r.seeks
        for i in range(1, len(clip)):
            assert frame_id(r.frame(i)) == i
        assert r.seeks == seeks
        # a short jump forward inside the same GOP continues decoding instead of seeking
        r.frame(12)
        s = r.seeks
        r.frame(15)
        assert r.seeks == s


@pytest.mark.parametrize("name,rotation", [("rot90", 90), ("rot270", 270), ("rot180mkv", 180), ("tag90mkv", 90)])
def test_rotation_is_applied(clips, name, rotation):
    clip = clips[name]
    info = probe(clip.path)
    assert info.rotation == rotation
    assert (info.width, info.height) == (96, 64)
    assert (info.coded_width, info.coded_height) == ((64, 96) if rotation in (90, 270) else (96, 64))
    with VideoReader(clip.path) as r:
        for i in (0, 5, 11):
            f = r.frame(i)
            assert f.shape == (64, 96, 3)
            assert frame_id(f) == i
            assert np.abs(f.astype(int) - clip[i]).mean() < 8


def test_frames_close_to_source(clips):
    clip = clips["cfr"]
    with VideoReader(clip.path) as r:
        for i in (0, 17, 39):
            assert np.abs(r.frame(i).astype(int) - clip[i]).mean() < 6


def test_decode_heads_stay_where_they_stopped(clips):
    """Alternating between two places: each continues on its own decoder, without seeking."""
    clip = clips["cfr"]  # keyframes every 10 frames
    with VideoReader(clip.path, cache_bytes=0, decoders=2) as r:
        r.frame(33)
        r.frame(4)
        seeks = r.seeks
        for a, b in ((35, 6), (37, 8), (38, 9)):
            assert frame_id(r.frame(a)) == a
            assert frame_id(r.frame(b)) == b
        assert r.seeks == seeks
    with VideoReader(clip.path, cache_bytes=0, decoders=1) as r:
        r.frame(33)
        r.frame(4)
        seeks = r.seeks
        assert frame_id(r.frame(35)) == 35
        assert r.seeks == seeks + 1  # one decoder must seek back


def test_cache_is_bounded_in_bytes_and_hits(clips):
    clip = clips["cfr"]
    frame_bytes = 96 * 64 * 3
    with VideoReader(clip.path, cache_bytes=5 * frame_bytes) as r:
        for _i, _f in r.iter_frames():
            assert r.cache.nbytes <= 5 * frame_bytes
        assert len(r.cache) == 5
        seeks = r.seeks
        a = r.frame(38)  # cached: no decode, no seek
        assert r.seeks == seeks
        a[:] = 0  # callers get a copy; the cache is unchanged
        assert frame_id(r.frame(38)) == 38


def test_iter_frames_range_and_thumbnail(clips):
    clip = clips["cfr"]
    with VideoReader(clip.path) as r:
        got = [(i, frame_id(f)) for i, f in r.iter_frames(10, 15)]
        assert got == [(i, i) for i in range(10, 15)]
        assert [i for i, _ in r.iter_frames(38, 100)] == [38, 39]
        th = r.thumbnail(3, 32)
        assert th.shape == (32, 48, 3) and th.dtype == np.uint8
        with pytest.raises(IndexError):
            r.frame(40)
        assert r.size == (96, 64)


def test_shots_on_a_synthetic_cut(tmp_path):
    """Two unrelated scenes joined at frame 9 give two shots; one scene gives one."""
    from inpaint_core.video.shots import detect_shots

    a = make_video(tmp_path / "a.mp4", n=9, size=(96, 64))
    rng = np.random.default_rng(0)
    b = [np.clip(rng.normal(60, 10, (64, 96, 3)) + [0, 0, 120], 0, 255).astype(np.uint8) for _ in range(8)]
    assert detect_shots(list(a) + b) == [(0, 9), (9, 17)]
    assert detect_shots(list(a)) == [(0, 9)]
    with VideoReader(a.path) as r:
        assert r.shots() == [(0, 9)]
    assert probe(a.path, shots=True).shots == [(0, 9)]
    assert detect_shots([]) == []
