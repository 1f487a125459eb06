"""The pipelined export (export/stages.py, export/streamjob.py) when things go wrong: a cancel, a
full disk in the encoder, a decoder error mid-clip. Each stops every stage, leaves no file at the
target and no thread behind, and surfaces one clear message."""

from __future__ import annotations

import errno
import threading

import av
import numpy as np
import pytest

from inpaint_core.errors import Cancelled, VanishError
from inpaint_core.export import export_video
from inpaint_core.export.resume import partial_dir
from inpaint_core.jobs import CancelToken, Progress, run_job
from inpaint_core.video import VideoReader
from tests.synth import make_video

SIZE = (96, 64)
N = 40


@pytest.fixture
def clip(tmp_path):
    return make_video(tmp_path / "src.mp4", n=N, size=SIZE, audio=True)


def mask():
    m = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    m[20:40, 30:60] = 255
    return m


def stage_threads():
    return [t.name for t in threading.enumerate() if t.name.startswith("vanish-export-")]


KW = dict(engine="propagate", residuals="both", chunk_frames=8, shots=[(0, N)], long_side=64)


def test_pipelined_export_runs_its_stages_on_threads_and_times_them(tmp_path, clip):
    seen = []

    def on(ev):
        seen.append(set(stage_threads()))

    res = run_job(export_video(clip.path, mask(), tmp_path / "o.mp4", **KW), on)
    assert res.frames == N and not stage_threads()
    assert any({"vanish-export-decode", "vanish-export-fill", "vanish-export-restore",
                "vanish-export-encode"} <= s for s in seen)
    per = res.per_frame()
    assert {"decode", "fill", "restore", "encode", "wall"} <= set(per)
    assert all(v > 0 for k, v in per.items() if k in ("decode", "fill", "restore", "encode", "wall"))
    with VideoReader(tmp_path / "o.mp4") as r:
        assert len(r) == N


def test_cancel_stops_every_stage_and_leaves_no_file(tmp_path, clip):
    token = CancelToken()
    out = tmp_path / "o.mp4"

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 3:
            token.cancel()

    with pytest.raises(Cancelled):
        run_job(export_video(clip.path, mask(), out, cancel=token, keep_partial=False, **KW), on)
    assert not out.exists() and not partial_dir(out).exists()
    assert list(tmp_path.iterdir()) == [clip.path]  # no temporary file either
    assert stage_threads() == []


def test_closing_the_job_midway_joins_the_threads(tmp_path, clip):
    out = tmp_path / "o.mp4"
    job = export_video(clip.path, mask(), out, keep_partial=False, **KW)
    for ev in job:
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 2:
            break
    job.close()
    assert stage_threads() == [] and not out.exists()


def test_full_disk_in_the_encoder_stops_all_stages_with_one_message(tmp_path, clip, monkeypatch):
    from inpaint_core.video import sinks

    calls = {"n": 0}
    real = {name: getattr(sinks.EncodedSink, name) for name in ("write", "write_native")}

    def full(name):
        def fn(self, *a, **k):
            calls["n"] += 1
            if calls["n"] > 5:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real[name](self, *a, **k)
        return fn

    for name in real:
        monkeypatch.setattr(sinks.EncodedSink, name, full(name))
    out = tmp_path / "o.mp4"
    with pytest.raises(VanishError) as err:
        run_job(export_video(clip.path, mask(), out, keep_partial=False, **KW))
    assert str(err.value).startswith(f"The disk is full while writing {out}")
    assert err.value.__class__.__name__ == "OutputError"
    assert not out.exists() and stage_threads() == []


def test_a_decoder_error_mid_clip_stops_all_stages_with_one_message(tmp_path, clip, monkeypatch):
    from inpaint_core.export import media

    real = media.NativeFeed.__next__

    def broken(self):
        item = real(self)
        if item[0] == 17:
            raise av.error.InvalidDataError(errno.EINVAL, "Invalid data found when processing input")
        return item

    monkeypatch.setattr(media.NativeFeed, "__next__", broken)
    out = tmp_path / "o.mp4"
    with pytest.raises(VanishError, match="Reading the source failed mid-clip: .*Invalid data found") as err:
        run_job(export_video(clip.path, mask(), out, keep_partial=False, **KW))
    assert "Traceback" not in str(err.value)
    assert not out.exists() and stage_threads() == []


def test_a_failing_restore_stage_surfaces_its_error_once(tmp_path, clip, monkeypatch):
    from inpaint_core.export import streamjob

    def boom(*a, **k):
        raise VanishError("restore went wrong")

    monkeypatch.setattr(streamjob, "restore_native", boom)
    monkeypatch.setattr(streamjob, "restore_frame", boom)
    out = tmp_path / "o.mp4"
    with pytest.raises(VanishError, match="^restore went wrong$"):
        run_job(export_video(clip.path, mask(), out, keep_partial=False, **KW))
    assert not out.exists() and stage_threads() == []


def test_resumed_classical_export_gives_the_uninterrupted_frames(tmp_path):
    """The engine's state runs over chunk borders, so a resumed export fills the finished chunks
    again (not restoring or encoding them) to reach the same state: the frames equal an export
    that was never interrupted."""
    src = make_video(tmp_path / "src.mkv", n=N, size=SIZE, codec="ffv1")
    whole = tmp_path / "whole.mkv"
    run_job(export_video(src.path, mask(), whole, **KW))
    out = tmp_path / "o.mkv"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 20:
            token.cancel()

    with pytest.raises(Cancelled):
        run_job(export_video(src.path, mask(), out, cancel=token, **KW), on)
    assert partial_dir(out).is_dir() and not out.exists() and stage_threads() == []
    res = run_job(export_video(src.path, mask(), out, resume=True, **KW))
    assert res.resumed_chunks >= 2
    with VideoReader(whole) as a, VideoReader(out) as b:
        fa, fb = [f for _, f in a.iter_frames()], [f for _, f in b.iter_frames()]
    assert len(fa) == len(fb) == N
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb))


def test_cli_verbose_prints_and_json_holds_the_seconds_per_stage(tmp_path, clip, capsys):
    import json

    import cv2

    from inpaint_core.cli import main

    cv2.imwrite(str(tmp_path / "m.png"), mask())
    rc = main(["export", str(clip.path), "--masks", str(tmp_path / "m.png"), "--out", str(tmp_path / "o.mp4"),
               "--engine", "telea", "--verbose", "--json", str(tmp_path / "r.json")])
    assert rc == 0
    line = [x for x in capsys.readouterr().err.splitlines() if x.startswith("seconds per frame:")]
    assert len(line) == 1 and all(k in line[0] for k in ("decode", "fill", "restore", "encode", "wall"))
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["frames"] == N and doc["frames_per_s"] > 0
    assert set(doc["seconds_per_frame"]) >= {"decode", "fill", "restore", "encode", "wall"}
    assert abs(doc["seconds_per_frame"]["wall"] * N - doc["wall_s"]) < 1e-6
