"""Fault matrix, outputs: an export never destroys an input, two exports of one target never
collide, and a failed or terminated export leaves nothing behind (issue cases 1, 2 and 8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from inpaint_core.cli import main
from inpaint_core.export import export_video
from inpaint_core.jobs import Progress
from inpaint_core.video import probe
from tests.reliability.faults import FAST, SIZE, assert_nothing_written, assert_refused, cli, litter, sha
from tests.synth import make_video

ROOT = Path(__file__).resolve().parents[2]


# -- case 1: the target is an input -----------------------------------------------------------


@pytest.mark.parametrize("how", ["same path", "other relative path", "symlink", "hard link"])
def test_export_onto_its_own_source_is_refused(work, capsys, how):
    (work / "out").mkdir()
    src = work / "out" / "same.mp4"
    os.replace(work / "clip.mp4", src)
    before = sha(src)
    target = {"same path": "out/same.mp4", "other relative path": "./out/../out/same.mp4",
              "symlink": "link.mp4", "hard link": "hard.mp4"}[how]
    if how == "symlink":
        (work / "link.mp4").symlink_to(src)
    if how == "hard link":
        os.link(src, work / "hard.mp4")
    rc, _, err = cli(capsys, "export", "out/same.mp4", "--masks", "mask.png", "--out", target, *FAST)
    assert_refused(rc, err, "would overwrite the input")
    assert sha(src) == before
    assert litter(work / "out", "same.mp4") == [] and litter(work, Path(target).name) == []


def test_project_files_and_source_are_protected(work, capsys):
    assert main(["project", "new", "clip.mp4", "--masks", "mask.png", "--out", "p.vanish"]) == 0
    before, clip = sha(work / "p.vanish"), sha(work / "clip.mp4")
    # a PNG-sequence folder named like the project's masks folder would replace it whole
    rc, _, err = cli(capsys, "export", "p.vanish", "--out", "p.vanish/masks")
    assert_refused(rc, err, "p.vanish")
    rc, _, err = cli(capsys, "export", "p.vanish", "--out", "clip.mp4")
    assert_refused(rc, err, "clip.mp4")
    # a PNG folder around the source video would replace the folder holding it
    rc, _, err = cli(capsys, "export", str(work / "clip.mp4"), "--masks", "mask.png", "--out", str(work))
    assert_refused(rc, err, "would overwrite")
    assert sha(work / "p.vanish") == before and sha(work / "clip.mp4") == clip
    assert main(["project", "check", "p.vanish"]) == 0


def test_write_masks_onto_an_input_or_a_file_is_refused_before_the_video(work, capsys):
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mp4",
                     "--write-masks", "mask.png")
    assert_refused(rc, err, "mask.png")
    assert_nothing_written(work / "o.mp4")
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mp4",
                     "--write-masks", "o.mp4")
    assert_refused(rc, err, "o.mp4")
    assert_nothing_written(work / "o.mp4")


def test_masks_import_onto_its_own_source_folder_is_refused(work, capsys):
    (work / "m").mkdir()
    (work / "mask.png").rename(work / "m" / "a.png")
    before = sha(work / "m")
    rc, _, err = cli(capsys, "masks", "import", "m", "--size", "96x64", "--frames", "12", "--out", "m",
                     "--overwrite")
    assert_refused(rc, err, "would overwrite")
    assert sha(work / "m") == before


def test_other_writing_commands_refuse_their_inputs(work, capsys):
    assert main(["project", "new", "clip.mp4", "--masks", "mask.png", "--out", "p.vanish"]) == 0
    before, clip = sha(work / "p.vanish"), sha(work / "clip.mp4")
    rc, _, err = cli(capsys, "inpaint", "clip.mp4", "--masks", "mask.png", "--out", "./clip.mp4", "--engine", "telea")
    assert_refused(rc, err, "would overwrite the input")
    rc, _, err = cli(capsys, "masks", "export", "p.vanish", "--out", "p.vanish/masks", "--overwrite")
    assert_refused(rc, err, "would overwrite the input")
    assert sha(work / "p.vanish") == before and sha(work / "clip.mp4") == clip
    assert litter(work, "clip.mp4") == [] and litter(work / "p.vanish", "masks") == []


# -- case 2: two exports of one target ----------------------------------------------------------


def test_second_export_of_a_target_refuses_while_the_first_runs(work, capsys):
    job = export_video(work / "clip.mp4", work / "mask.png", work / "o.mp4", chunk_frames=4, engine="telea",
                       residuals="none")
    ev = next(job)  # the first export holds the target now
    assert isinstance(ev, Progress)
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mp4", *FAST)
    assert_refused(rc, err, "Another export is writing", "o.mp4")
    try:
        while True:
            next(job)
    except StopIteration as stop:
        result = stop.value
    assert result.frames == 12 and probe(work / "o.mp4").frame_count == 12
    assert litter(work, "o.mp4") == []


def test_two_processes_exporting_one_target(tmp_path, capsys):
    make_video(tmp_path / "long.mp4", n=20, size=SIZE)
    from tests.reliability.faults import save_mask

    save_mask(tmp_path / "m.png")
    cmd = [sys.executable, "-m", "inpaint_core.cli", "export", "long.mp4", "--masks", "m.png", "--out", "o.mp4"]
    first = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    started = tmp_path / ".o.mp4.partial"  # its work folder: the first export is under way
    t0 = time.monotonic()
    while not started.exists() and first.poll() is None and time.monotonic() - t0 < 60:
        time.sleep(0.02)
    assert first.poll() is None, first.communicate()
    os.chdir(tmp_path)
    try:
        rc, _, err = cli(capsys, "export", "long.mp4", "--masks", "m.png", "--out", "o.mp4")
    finally:
        os.chdir(ROOT)
    out, ferr = first.communicate(timeout=300)
    assert first.returncode == 0, ferr  # the first is not disturbed
    assert_refused(rc, err, "Another export is writing")
    assert probe(tmp_path / "o.mp4").frame_count == 20
    assert litter(tmp_path, "o.mp4") == []


# -- case 8: litter and late failures -----------------------------------------------------------


def test_an_export_failing_before_writing_leaves_no_partial_folder(work, capsys):
    make_video(work / "odd.mkv", n=6, size=(95, 64), codec="ffv1")
    from tests.reliability.faults import save_mask

    save_mask(work / "odd.png", size=(95, 64))
    rc, _, err = cli(capsys, "export", "odd.mkv", "--masks", "odd.png", "--out", "o.mp4")
    assert_refused(rc, err, "95x64")
    assert_nothing_written(work / "o.mp4")


def test_write_masks_into_an_unwritable_folder_fails_before_the_video(work, capsys):
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc (a folder nobody can create files in)")
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mp4",
                     "--write-masks", "/proc/vanish-masks")
    assert_refused(rc, err, "/proc")
    assert_nothing_written(work / "o.mp4")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_cancels_like_ctrl_c_and_leaves_no_temp_file(tmp_path):
    make_video(tmp_path / "long.mp4", n=400, size=SIZE)
    from tests.reliability.faults import save_mask

    save_mask(tmp_path / "m.png")
    before = sha(tmp_path / "long.mp4")
    cmd = [sys.executable, "-m", "inpaint_core.cli", "export", "long.mp4", "--masks", "m.png", "--out", "o.mp4",
           *FAST]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    t0 = time.monotonic()
    while proc.poll() is None and time.monotonic() - t0 < 120:
        if any(n.endswith(".tmp.mp4") for n in litter(tmp_path, "o.mp4")):
            break  # the encoder has started writing its temporary file
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()[1]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert not (tmp_path / "o.mp4").exists()
    left = litter(tmp_path, "o.mp4")
    # only the finished chunks kept for --resume may stay; no temporary video, no lock
    assert all(n == ".o.mp4.partial" for n in left), left
    assert proc.returncode == 143, err
    assert "cancelled" in err and "Traceback" not in err
    assert sha(tmp_path / "long.mp4") == before


def test_a_disk_too_small_for_the_output_is_refused_before_the_work(work, capsys, monkeypatch):
    import shutil as shutil_mod

    from inpaint_core.export import safety

    real = shutil_mod.disk_usage
    monkeypatch.setattr(safety.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=1000))  # 1000 bytes left on the disk
    rc, _, err = cli(capsys, "export", "clip.mp4", "--masks", "mask.png", "--out", "o.mkv", *FAST)
    assert_refused(rc, err, "MB free", "o.mkv")
    assert_nothing_written(work / "o.mkv")
