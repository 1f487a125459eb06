"""``vanish batch`` on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1):
outputs against single-process ``vanish export`` runs (frames, timestamps, audio), a long clip cut
into tasks, a worker killed mid-task, a stopped batch resumed, a corrupt input failing alone.

Lossless outputs (.mkv, FFV1 in the source's own samples) are compared bit for bit, and the batch
output is the decoded source outside the mask in every plane. The .mp4 job: the join feeds libx264
the same samples, timestamps and keyframes as the single export (asserted in-process in
tests/e2e/test_export_segments.py), and the writer's x264 is reproducible (tests/core/
test_x264_determinism.py), so its frames must be identical too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import av
import cv2
import numpy as np
import pytest

from inpaint_core.batch import JobSpec, run_batch
from inpaint_core.batch.tasks import work_dir
from inpaint_core.jobs import CancelToken
from inpaint_core.video import VideoReader, probe
from tests.synth import make_video

pytestmark = pytest.mark.slow
SIZE = (96, 64)
LONG = (64, 48)  # the 600-frame clip: tiny, so the test stays short
SETTINGS = {"engine": "telea", "residuals": "both"}


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0", silence_logs=50)
    client = Client(c)
    try:
        yield c, client
    finally:
        pids = list(client.run(os.getpid).values())
        client.close()
        c.close()
        for pid in pids:  # no worker left behind
            with pytest.raises(ProcessLookupError):
                for _ in range(50):
                    os.kill(pid, 0)
                    time.sleep(0.1)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("batch")
    m = np.zeros((SIZE[1], SIZE[0]), np.uint8)
    m[24:44, 30:60] = 255
    cv2.imwrite(str(d / "mask.png"), m)
    cv2.imwrite(str(d / "mask_long.png"), cv2.resize(m, LONG, interpolation=cv2.INTER_NEAREST))
    clips = {
        "audio": make_video(d / "audio.mp4", n=60, size=SIZE, fps=25, audio=True).path,
        "vfr": make_video(d / "vfr.mkv", n=45, size=SIZE, fps=25, vfr=True).path,
        "plain": make_video(d / "plain.mov", n=50, size=SIZE, fps=30).path,
        "long": make_video(d / "long.mp4", n=600, size=LONG, fps=25, gop=25).path,
        "medium": make_video(d / "medium.mp4", n=240, size=SIZE, fps=25, audio=True).path,
    }
    return d, d / "mask.png", m > 0, clips


def start_single_export(src, mask, out, residuals="both"):
    """The reference: a single-process ``vanish export`` in its own process (started, not awaited:
    it runs beside the batch). OpenMP threads are limited as Dask limits them on its workers, which
    on a busy 2-core machine is faster and does not change the frames."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return out, subprocess.Popen([sys.executable, "-m", "inpaint_core.cli", "export", str(src), "--masks",
                                  str(mask), "--out", str(out), "--engine", "telea", "--residuals", residuals],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def finished(started):
    out, proc = started
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return out


def decode(path):
    with VideoReader(path) as r:
        return [f for _, f in r.iter_frames()], list(r.pts)


def audio_samples(path):
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        return np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])


def native_planes(path):
    """Every frame of ``path`` in its own sample format (per frame a list of planes), and the format."""
    from inpaint_core.video.native import from_av

    with av.open(str(path)) as c:
        return [from_av(f).planes for f in c.decode(video=0)], c.streams.video[0].codec_context.pix_fmt


def block_any(mask, shape):
    """(H, W) bool ``mask`` at a plane's (h, w): a sample is in it when any pixel of its block is."""
    by, bx = mask.shape[0] // shape[0], mask.shape[1] // shape[1]
    return mask.reshape(shape[0], by, shape[1], bx).any(axis=(1, 3))


def psnr(a, b, hole):
    d = (a[hole].astype(np.float64) - b[hole].astype(np.float64)) ** 2
    return float("inf") if d.mean() == 0 else 10 * np.log10(255.0 ** 2 / d.mean())


def compare(name, got_path, ref_path, hole, borders=()):
    """Assert the batch output matches the reference: every frame identical (in-hole PSNR printed,
    at least 45 dB), the same timestamps, frame count, codec, profile, pixel format and audio."""
    got, got_pts = decode(got_path)
    ref, ref_pts = decode(ref_path)
    assert len(got) == len(ref), (name, len(got), len(ref))
    assert got_pts == ref_pts, name
    ps = [psnr(a, b, hole) for a, b in zip(got, ref)]
    same = sum(np.array_equal(a, b) for a, b in zip(got, ref))
    print(f"\n{name}: {len(got)} frames, {same} identical, min in-hole PSNR {min(ps):.1f} dB")
    for b in borders:
        at = [f"{ps[i]:.1f}" for i in (b - 1, b) if 0 <= i < len(ps)]
        print(f"  border at frame {b}: in-hole PSNR of frames {b - 1},{b}: {', '.join(at)} dB")
    assert same == len(got) and min(ps) >= 45.0, (name, same, min(ps))
    vg, vr = probe(got_path), probe(ref_path)
    assert (vg.codec, vg.profile, vg.pix_fmt) == (vr.codec, vr.profile, vr.pix_fmt), name
    assert [(a.codec, a.sample_rate, a.channels) for a in vg.audio] == \
        [(a.codec, a.sample_rate, a.channels) for a in vr.audio], name
    sa, sb = audio_samples(got_path), audio_samples(ref_path)
    assert (sa is None) == (sb is None), name
    if sa is not None:
        np.testing.assert_array_equal(sa, sb)
    return same


def spec(name, src, mask, out, **settings):
    return JobSpec(name, out, source=src, masks=mask, settings={**SETTINGS, **settings})


def test_three_clips_and_a_corrupt_one_match_single_exports(cluster, media, tmp_path):
    c, _ = cluster
    d, mask, hole, clips = media
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    ext = {"audio": ".mkv", "vfr": ".mkv", "plain": ".mp4"}
    jobs = [spec(k, clips[k], mask, tmp_path / f"{k}{ext[k]}") for k in ext]
    jobs.append(spec("corrupt", bad, mask, tmp_path / "corrupt_out.mp4"))
    refs = {k: start_single_export(clips[k], mask, tmp_path / f"ref_{k}{ext[k]}") for k in ext}
    rep = run_batch(jobs, scheduler=c.scheduler_address, report=tmp_path / "report.json")
    rows = {r["name"]: r for r in rep["jobs"]}
    assert rows["corrupt"]["status"] == "failed" and "corrupt.mp4" in rows["corrupt"]["error"], rows["corrupt"]
    print(f"\ncorrupt input reported: {rows['corrupt']['error']}")
    assert not (tmp_path / "corrupt_out.mp4").exists()
    for k in ("audio", "vfr", "plain"):
        assert rows[k]["status"] == "done", rows[k]
        compare(k, tmp_path / f"{k}{ext[k]}", finished(refs[k]), hole)
    # lossless: outside the grown, feathered mask every sample of every plane is the source's
    got, fmt = native_planes(tmp_path / "audio.mkv")
    src, src_fmt = native_planes(clips["audio"])
    assert fmt == src_fmt == "yuv420p" and len(got) == len(src)
    near = np.zeros(hole.shape, bool)
    near[16:52, 22:68] = True  # the mask grown and feathered (within 8 px)
    for i, (a, b) in enumerate(zip(got, src)):
        for k, (pa, pb) in enumerate(zip(a, b)):
            keep = ~block_any(near, pb.shape)
            assert np.array_equal(pa[keep], pb[keep]), (i, k)
        assert not np.array_equal(a[0], b[0]), i
    print(f"audio.mkv: {len(got)} frames, {fmt}, every plane the source's outside the mask")
    assert (tmp_path / "report.json").is_file()
    assert probe(tmp_path / "audio.mkv").audio and not probe(tmp_path / "vfr.mkv").audio


def test_long_clip_in_tasks_stitches_without_seams(cluster, media, tmp_path):
    c, _ = cluster
    d, mask, hole, clips = media
    out = tmp_path / "long.mkv"
    mask = d / "mask_long.png"
    hole = cv2.imread(str(mask), cv2.IMREAD_GRAYSCALE) > 0
    ref = start_single_export(clips["long"], mask, tmp_path / "ref_long.mkv")
    rep = run_batch([spec("long", clips["long"], mask, out)], scheduler=c.scheduler_address, task_frames=150)
    row = rep["jobs"][0]
    assert row["status"] == "done" and row["frames"] == 600 and row["tasks"] >= 4, row
    print(f"\nlong clip: {row['tasks']} tasks, {row['seconds']:.1f} s")
    ref = finished(ref)
    borders = [600 * k // row["tasks"] for k in range(1, row["tasks"])]
    compare("long", out, ref, hole, borders=[150, 300, 450] if row["tasks"] == 4 else borders)
    assert not any(p.suffix == ".mkv" for p in work_dir(out).iterdir())  # segments cleaned up


def _executing(dask_worker) -> int:
    """Tasks a worker is running now (cancelled ones included: a thread cannot be stopped)."""
    return len(dask_worker.state.executing) + len(dask_worker.state.long_running)


def _kill_when_busy(client, killed: dict, stop: threading.Event) -> None:
    """SIGKILL the first worker seen running a segment task."""
    pids = client.run(os.getpid)
    while not stop.is_set():
        for addr, keys in client.processing().items():
            if any(str(k).startswith("segment-") for k in keys) and addr in pids:
                time.sleep(0.05)  # let it get into the segment
                os.kill(pids[addr], signal.SIGKILL)
                killed.update(pid=pids[addr], key=str(next(iter(keys))))
                return
        time.sleep(0.01)


def test_killed_worker_and_stopped_batch_rerun(cluster, media, tmp_path):
    c, client = cluster
    d, mask, hole, clips = media
    ref = start_single_export(clips["medium"], mask, tmp_path / "ref.mkv", residuals="none")
    # a worker killed while it holds a segment task: the batch still finishes, output correct
    out = tmp_path / "killed.mkv"
    killed: dict = {}
    stop = threading.Event()
    th = threading.Thread(target=_kill_when_busy, args=(client, killed, stop), daemon=True)
    th.start()
    rep = run_batch([spec("m", clips["medium"], mask, out, residuals="none")], scheduler=c.scheduler_address,
                    task_frames=48)
    stop.set()
    th.join()
    assert killed, "no worker was seen holding a segment task"
    print(f"\nkilled worker pid {killed['pid']} while it ran {killed['key']}")
    assert rep["jobs"][0]["status"] == "done", rep
    ref = finished(ref)
    compare("after SIGKILL", out, ref, hole)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker

    # stop the batch midway, then run it again: only the unfinished tasks run
    out2 = tmp_path / "stopped.mkv"
    token = CancelToken()

    def on(p):
        if p.frames_done >= 48:
            token.cancel()

    job = spec("m", clips["medium"], mask, out2, residuals="none")
    rep1 = run_batch([job], scheduler=c.scheduler_address, task_frames=48, on_progress=on, cancel=token)
    assert rep1["stopped"] and rep1["jobs"][0]["status"] == "stopped" and not out2.exists()
    for _ in range(600):  # tasks already running when it stopped finish on their own
        if not any(client.run(_executing).values()):
            break
        time.sleep(0.05)
    kept = sorted(p.name for p in work_dir(out2).glob("seg_*.json"))
    total = 5
    assert 1 <= len(kept) < total, kept
    rep2 = run_batch([job], scheduler=c.scheduler_address, task_frames=48)
    row = rep2["jobs"][0]
    print(f"re-run after stop: {row['tasks_run']} task(s) run, {row['tasks_reused']} reused of {row['tasks']}")
    assert row["status"] == "done" and row["tasks"] == total
    assert row["tasks_reused"] == len(kept) and row["tasks_run"] == total - len(kept)
    compare("stopped and re-run", out2, ref, hole)
    # a third run finds the output finished with the same inputs and settings: nothing runs
    row3 = run_batch([job], scheduler=c.scheduler_address, task_frames=48)["jobs"][0]
    assert row3["status"] == "unchanged" and row3["tasks_run"] == 0


def test_cli_batch_prints_progress_and_writes_the_report(cluster, media, tmp_path, capsys):
    import json

    from inpaint_core.cli import main

    c, _ = cluster
    d, mask, hole, clips = media
    jf = tmp_path / "jobs.txt"
    jf.write_text(f"'{clips['vfr']}' '{mask}' out/vfr.mkv\n{tmp_path / 'nothing.mp4'} '{mask}' out/none.mkv\n")
    (tmp_path / "out").mkdir()
    rc = main(["batch", str(jf), "--scheduler", c.scheduler_address, "--engine", "telea"])
    err = capsys.readouterr().err
    print(err)
    assert rc == 2  # one job failed
    assert "batch: 1/2 clips" in err and "frames/s" in err and "ETA" in err
    assert "wrote " in err and "nothing.mp4 does not exist" in err
    rep = json.loads((tmp_path / "jobs.report.json").read_text())
    assert [r["status"] for r in rep["jobs"]] == ["done", "failed"]
    assert rep["jobs"][0]["frames"] == 45 and (tmp_path / "out/vfr.mkv").is_file()
    assert main(["batch", str(tmp_path / "missing.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_local_cluster_shows_the_dashboard_and_leaves_no_process(cluster, media, tmp_path):
    import psutil

    d, mask, hole, clips = media
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    seen = []
    rep = run_batch([spec("vfr", clips["vfr"], mask, tmp_path / "v.mkv", residuals="none")], workers=1,
                    on_progress=seen.append)
    assert rep["jobs"][0]["status"] == "done" and rep["workers"] == 1
    links = [p.message for p in seen if p.message.startswith("Dask dashboard: http://127.0.0.1:")]
    assert links and rep["dashboard"] in links[0], [p.message for p in seen]
    print(f"\n{links[0]}")
    assert seen[-1].clips_done == 1 and seen[-1].frames_done == seen[-1].frames == 45
    time.sleep(0.5)
    left = {p.pid for p in me.children(recursive=True) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE}
    assert left <= before, left - before
