"""The streaming export job end to end on small synthetic clips: frames, timestamps, untouched
pixels outside the mask, range export with audio cut, cancellation, resume, output errors, CLI."""

from __future__ import annotations

import os
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from inpaint_core.cli import main
from inpaint_core.errors import Cancelled, OutputError, VanishError
from inpaint_core.export import export_video
from inpaint_core.export.resume import partial_dir
from inpaint_core.jobs import CancelToken, Progress, run_job
from inpaint_core.video import VideoReader, probe
from tests.synth import frame_id, make_video

SIZE = (160, 96)
WORK = (80, 48)


def mask_img():
    m = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    m[40:62, 60:96] = 255
    return m


def reach(mask, grow, feather):
    """Every pixel the grown, feathered composite may touch (generous square dilation)."""
    return cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=grow + int(np.ceil(feather)) + 1) > 0


def decode(path):
    with VideoReader(path) as r:
        return [f for _, f in r.iter_frames()], list(r.times)


def run(job, on=None):
    return run_job(job, on)


@pytest.fixture
def ffv1_clip(tmp_path):
    return make_video(tmp_path / "src.mkv", n=20, size=SIZE, codec="ffv1", vfr=True)


def test_lossless_export_keeps_frames_timing_and_outside_pixels(tmp_path, ffv1_clip):
    out = tmp_path / "out.mkv"
    events = []
    res = run(export_video(ffv1_clip.path, mask_img(), out, engine="telea", work_size=WORK, residuals="both",
                           grow=2, feather=2.0, chunk_frames=8, shots=[(0, 20)]), events.append)
    assert out.is_file() and res.frames == 20
    assert not partial_dir(out).exists()
    stages = {e.stage for e in events if isinstance(e, Progress)}
    assert "export" in stages and any(s.startswith("fill") for s in stages)
    src, src_times = decode(ffv1_clip.path)
    got, times = decode(out)
    assert len(got) == 20 and got[0].shape == (SIZE[1], SIZE[0], 3)
    np.testing.assert_allclose(times, src_times, atol=1.5e-3)  # Matroska keeps milliseconds
    outside = ~reach(mask_img(), 2, 2.0)
    for a, b in zip(got, src):
        np.testing.assert_array_equal(a[outside], b[outside])
        assert not np.array_equal(a[mask_img() > 0], b[mask_img() > 0])


def test_range_export_has_the_right_frames_and_cut_audio(tmp_path):
    clip = make_video(tmp_path / "a.mp4", n=40, size=SIZE, fps=25, audio=True)
    out = tmp_path / "range.mp4"
    run(export_video(clip.path, mask_img(), out, engine="telea", work_size=WORK, residuals="none",
                     start=10, end=30, chunk_frames=10, shots=[(0, 40)]))
    got, times = decode(out)
    assert [frame_id(f) for f in got] == list(range(10, 30))
    np.testing.assert_allclose(times, np.asarray(clip.times[10:30]) - clip.times[10], atol=2e-3)
    info = probe(out)
    assert info.frame_count == 20
    assert len(info.audio) == 1 and info.audio[0].codec == "aac"
    assert abs(info.audio[0].duration - 20 / 25) < 0.08, info.audio[0].duration


def test_no_audio_and_bad_range(tmp_path):
    clip = make_video(tmp_path / "a.mp4", n=12, size=SIZE, fps=25, audio=True)
    out = tmp_path / "silent.mp4"
    run(export_video(clip.path, mask_img(), out, engine="telea", work_size=WORK, residuals="none",
                     audio=False, shots=[(0, 12)]))
    assert probe(out).audio == []
    with pytest.raises(VanishError, match="range"):
        run(export_video(clip.path, mask_img(), tmp_path / "x.mp4", engine="telea", start=8, end=4))


def test_cancel_leaves_nothing_at_the_target(tmp_path, ffv1_clip):
    out = tmp_path / "cancelled.mkv"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 5:
            token.cancel()

    with pytest.raises(Cancelled):
        run(export_video(ffv1_clip.path, mask_img(), out, engine="telea", work_size=WORK, residuals="none",
                         chunk_frames=5, cancel=token, keep_partial=False, shots=[(0, 20)]), on)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mkv"]  # no temp file, no work folder


def test_resume_after_interruption_gives_the_same_frames(tmp_path, ffv1_clip):
    kw = dict(engine="telea", work_size=WORK, residuals="both", chunk_frames=5, grow=2, feather=2.0,
              shots=[(0, 20)])
    whole = tmp_path / "whole.mkv"
    run(export_video(ffv1_clip.path, mask_img(), whole, **kw))
    out = tmp_path / "resumed.mkv"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 10:
            token.cancel()

    with pytest.raises(Cancelled):
        run(export_video(ffv1_clip.path, mask_img(), out, cancel=token, **kw), on)
    assert not out.exists()
    assert len(list(partial_dir(out).glob("chunk_*.npz"))) == 2
    res = run(export_video(ffv1_clip.path, mask_img(), out, resume=True, **kw))
    assert res.resumed_chunks == 2 and res.frames == 20
    assert not partial_dir(out).exists()
    a, _ = decode(whole)
    b, _ = decode(out)
    assert len(a) == len(b) == 20
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_resume_with_other_settings_starts_over(tmp_path, ffv1_clip):
    out = tmp_path / "o.mkv"
    token = CancelToken()

    def on(ev):
        if isinstance(ev, Progress) and ev.stage == "export" and ev.done >= 5:
            token.cancel()

    kw = dict(engine="telea", work_size=WORK, chunk_frames=5, shots=[(0, 20)])
    with pytest.raises(Cancelled):
        run(export_video(ffv1_clip.path, mask_img(), out, residuals="none", cancel=token, **kw), on)
    res = run(export_video(ffv1_clip.path, mask_img(), out, residuals="spatial", resume=True, **kw))
    assert res.resumed_chunks == 0 and res.frames == 20


def test_unwritable_or_missing_folder_is_a_clear_error(tmp_path, ffv1_clip):
    with pytest.raises(OutputError, match="does not exist"):
        run(export_video(ffv1_clip.path, mask_img(), tmp_path / "nope" / "o.mkv", engine="telea"))
    if os.geteuid() == 0:  # root ignores permissions: use a folder no one can create files in
        with pytest.raises(OutputError, match="Cannot write to /proc"):
            run(export_video(ffv1_clip.path, mask_img(), Path("/proc/o.mkv"), engine="telea"))
        return
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="permission denied|not writable"):
            run(export_video(ffv1_clip.path, mask_img(), ro / "o.mkv", engine="telea"))
    finally:
        ro.chmod(0o700)


def test_cli_export_with_mask_image_and_write_masks(tmp_path, ffv1_clip, capsys):
    mpath = tmp_path / "m.png"
    cv2.imwrite(str(mpath), mask_img())
    out = tmp_path / "cli.mp4"
    code = main(["export", str(ffv1_clip.path), "--masks", str(mpath), "--engine", "telea", "--out", str(out),
                 "--work-size", "80x48", "--residuals", "temporal", "--end", "8", "--write-masks",
                 str(tmp_path / "masks_out")])
    assert code == 0, capsys.readouterr().err
    assert probe(out).frame_count == 8
    written = sorted((tmp_path / "masks_out").glob("*.png"))
    assert len(written) == 8
    m = cv2.imread(str(written[0]), cv2.IMREAD_GRAYSCALE)
    assert m.shape == (SIZE[1], SIZE[0]) and (m[mask_img() > 0] == 255).all()
    assert main(["export", str(ffv1_clip.path), "--masks", str(mpath), "--engine", "telea", "--out",
                 str(tmp_path / "y.mp4"), "--write-masks", str(tmp_path / "masks_out")]) == 2
    assert "not empty" in capsys.readouterr().err and not (tmp_path / "y.mp4").exists()
    assert main(["export", str(ffv1_clip.path), "--out", str(tmp_path / "x.mp4")]) == 2
    assert "--masks" in capsys.readouterr().err
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "h264"


def test_cli_export_of_a_project_uses_its_masks(tmp_path, ffv1_clip, capsys):
    from inpaint_core.project import Project

    mpath = tmp_path / "m.png"
    cv2.imwrite(str(mpath), mask_img())
    proj = Project.create(tmp_path / "demo", ffv1_clip.path, masks=mpath)
    out = tmp_path / "proj.mkv"
    code = main(["export", str(proj.folder), "--engine", "telea", "--out", str(out), "--work-size", "80x48",
                 "--residuals", "none", "--end", "6", "--grow", "1", "--feather", "1"])
    assert code == 0, capsys.readouterr().err
    got, _ = decode(out)
    src, _ = decode(ffv1_clip.path)
    assert len(got) == 6
    outside = ~reach(mask_img(), 1, 1.0)
    np.testing.assert_array_equal(got[3][outside], src[3][outside])
    assert not np.array_equal(got[3][mask_img() > 0], src[3][mask_img() > 0])


def test_full_disk_during_export_is_a_clear_error_and_leaves_nothing(tmp_path, ffv1_clip, monkeypatch):
    import errno

    from inpaint_core.video.sinks import EncodedSink

    out = tmp_path / "full.mkv"
    calls = {"n": 0}
    real = EncodedSink._encode  # every frame handed to the encoder (RGB or native samples) passes here

    def write(self, *a, **k):
        calls["n"] += 1
        if calls["n"] > 6:  # the disk fills up part-way through the export
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(EncodedSink, "_encode", write)
    with pytest.raises(OutputError, match="disk is full"):
        run(export_video(ffv1_clip.path, mask_img(), out, engine="telea", work_size=WORK, residuals="none",
                         chunk_frames=5, keep_partial=False, shots=[(0, 20)]))
    assert calls["n"] > 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src.mkv"]  # no target, no temp file
