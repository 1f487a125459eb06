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
