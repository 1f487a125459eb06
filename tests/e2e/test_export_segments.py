"""Segments of an export (the batch's unit of work) against the whole-clip export, in one process:
a range exported with the whole clip's chunk plan and its context frames gives the same frames,
and joining the segments gives the single export's frames, timestamps and audio."""

from __future__ import annotations

import av
import numpy as np
import pytest

from inpaint_core.errors import VanishError
from inpaint_core.export import export_video
from inpaint_core.export.segment import encode_segments, export_segment, segment_context
from inpaint_core.export.settings import plan_chunks
from inpaint_core.jobs import run_job
from inpaint_core.video import VideoReader
from tests.synth import make_video

SIZE = (96, 64)


def decode(path):
    with VideoReader(path) as r:
        return [f for _, f in r.iter_frames()], list(r.pts)


def samples(path):
    with av.open(str(path)) as c:
        return np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])


def test_segments_with_context_rebuild_the_whole_export(tmp_path):
    n = 120
    clip = make_video(tmp_path / "src.mp4", n=n, size=SIZE, fps=25, vfr=True, audio=True)
    m = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    m[24:44, 30:60] = 255
    shots = [(0, 80), (80, n)]  # a (declared) cut: no segment and no context crosses it
    kw = dict(engine="telea", residuals="both")
    run_job(export_video(clip.path, m, tmp_path / "whole.mkv", shots=shots, chunk_frames=20, **kw))
    chunks = plan_chunks(0, n, shots, 20)
    groups = [chunks[0:2], chunks[2:4], chunks[4:6]]
    assert [(g[0][0], g[-1][1]) for g in groups] == [(0, 40), (40, 80), (80, 120)]
    assert segment_context(40, 80, (0, 80), "both") == (12, 80)  # 28 frames before, none past the cut
    segs = []
    for k, g in enumerate(groups):
        segs.append(tmp_path / f"seg{k}.mkv")
        run_job(export_segment(clip.path, m, segs[-1], g, shots, **kw))
    whole, whole_pts = decode(tmp_path / "whole.mkv")
    parts = [f for s in segs for f in decode(s)[0]]
    assert len(parts) == n
    same = [np.array_equal(a, b) for a, b in zip(parts, whole)]
    assert all(same), [i for i, s in enumerate(same) if not s]
    run_job(encode_segments(clip.path, segs, tmp_path / "joined.mkv"))
    joined, joined_pts = decode(tmp_path / "joined.mkv")
    assert joined_pts == whole_pts and all(np.array_equal(a, b) for a, b in zip(joined, whole))
    np.testing.assert_array_equal(samples(tmp_path / "joined.mkv"), samples(tmp_path / "whole.mkv"))
    with pytest.raises(VanishError, match="hold 40 frames but the clip has 120"):
        run_job(encode_segments(clip.path, segs[:1], tmp_path / "short.mkv"))
    assert not (tmp_path / "short.mkv").exists()


def native_planes(path):
    """Every frame of ``path`` in its own sample format: a list of per-frame plane lists."""
    from inpaint_core.video.native import from_av

    with av.open(str(path)) as c:
        return [from_av(f).planes for f in c.decode(video=0)], c.streams.video[0].codec_context.pix_fmt


def block_any(hole, shape):
    """``hole`` (H, W) bool at a plane's (h, w) size: a plane sample is in it when any pixel of its block is."""
    by, bx = hole.shape[0] // shape[0], hole.shape[1] // shape[1]
    return hole.reshape(shape[0], by, shape[1], bx).any(axis=(1, 3))


def packets(path):
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def test_join_to_mp4_feeds_the_encoder_what_the_whole_export_feeds_it(tmp_path, monkeypatch):
    """The join encodes with the whole export's plan (libx264, the source's pix_fmt, its options)
    from the segments' native samples and copies the same clean GOPs: the encoder gets the same
    samples, timestamps and keyframe requests, and the copied packets are the source's."""
    import hashlib

    from inpaint_core.video import VideoWriter

    n = 72
    clip = make_video(tmp_path / "src.mp4", n=n, size=SIZE, fps=25, gop=12, audio=True)
    m = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    m[24:44, 30:60] = 255
    empty = np.zeros_like(m)

    def masks(i):
        return m if 20 <= i < 40 else empty  # GOPs 0, 4 and 5 hold no masked frame

    fed: list = []
    write_native, copy_packets = VideoWriter.write_native, VideoWriter.copy_packets

    def rec_native(self, f, pts, key=False):
        fed.append((pts, key, f.pix_fmt, f.space, f.full_range,
                    hashlib.sha1(b"".join(p.tobytes() for p in f.planes)).hexdigest()))
        return write_native(self, f, pts, key)

    def rec_copy(self, pkts, frames, last_pts, pts0, prefix=None):
        fed.append(("gop", frames, last_pts, [bytes(p) for p in pkts]))
        return copy_packets(self, pkts, frames, last_pts, pts0, prefix)

    monkeypatch.setattr(VideoWriter, "write_native", rec_native)
    monkeypatch.setattr(VideoWriter, "copy_packets", rec_copy)
    shots = [(0, n)]
    kw = dict(engine="telea", residuals="both")
    whole = run_job(export_video(clip.path, masks, tmp_path / "whole.mp4", shots=shots, chunk_frames=12, **kw))
    assert whole.copied == 36, whole  # three GOPs of 12 copied from the source
    by_export, fed[:] = list(fed), []
    chunks = plan_chunks(0, n, shots, 12)
    segs = []
    for k in range(0, len(chunks), 2):
        segs.append(tmp_path / f"seg{k}.mkv")
        run_job(export_segment(clip.path, masks, segs[-1], chunks[k:k + 2], shots, **kw))
    fed[:] = []
    src_planes, src_fmt = native_planes(clip.path)
    assert native_planes(segs[0])[1] == src_fmt == "yuv420p"  # segments keep the source's samples
    run_job(encode_segments(clip.path, segs, tmp_path / "joined.mp4", masks=masks))
    by_join = list(fed)
    assert sum(1 for e in by_join if e[0] == "gop") == 3 and len(by_join) == 3 + 36
    assert by_join == by_export  # same samples, pts, keyframes and copied GOPs, in the same order
    got, ref = packets(tmp_path / "joined.mp4"), packets(tmp_path / "whole.mp4")
    assert len(got) == len(ref) == n
    joined, joined_pts = decode(tmp_path / "joined.mp4")
    whole_f, whole_pts = decode(tmp_path / "whole.mp4")
    src_f = decode(clip.path)[0]
    for a in (0, 48, 60):  # the copied GOPs: the same packets in both files, the source's pictures
        assert got[a:a + 12] == ref[a:a + 12], a
        assert all(np.array_equal(joined[i], src_f[i]) for i in range(a, a + 12)), a
    assert joined_pts == whole_pts == list(VideoReader(clip.path).pts)
    same = sum(a == b for a, b in zip(got, ref))
    print(f"\njoined .mp4 against the whole export: {same}/{n} packets identical, "
          f"{sum(np.array_equal(a, b) for a, b in zip(joined, whole_f))}/{n} frames identical")
    assert got == ref  # the writer's x264 is reproducible: the same input, the same packets
    np.testing.assert_array_equal(samples(tmp_path / "joined.mp4"), samples(tmp_path / "whole.mp4"))
    # lossless join: outside the mask every sample of every plane is the decoded source's
    run_job(encode_segments(clip.path, segs, tmp_path / "joined.mkv", masks=masks))
    out_planes, out_fmt = native_planes(tmp_path / "joined.mkv")
    assert out_fmt == src_fmt and len(out_planes) == n
    hole = np.zeros_like(m, bool)
    hole[16:52, 22:68] = True  # the mask grown and feathered (within 8 px)
    for i, (a, b) in enumerate(zip(out_planes, src_planes)):
        for k, (pa, pb) in enumerate(zip(a, b)):
            keep = ~block_any(hole, pb.shape) if masks(i).any() else np.ones(pb.shape, bool)
            assert np.array_equal(pa[keep], pb[keep]), (i, k)
        assert np.array_equal(a[0], b[0]) != bool(masks(i).any()), i  # filled exactly where masked
