"""Batch export on Dask: a long synthetic clip in 4 tasks on 1 and on 2 local worker processes
(speed-up), and the overhead of the batch path over a plain export for one clip (one task).

    PYTHONPATH=. python tests/benchmarks/bench_batch.py [--frames 600] [--size 160x96] [--engine telea]

All runs are side by side in one run (the machine is shared and noisy); plain exports are
``vanish export`` processes, with the default environment and with the thread limits Dask puts on
its workers (OMP/MKL/OpenBLAS at one thread), so the overhead is measured like for like. Cluster
start-up is timed apart from the batch itself. The JSON records ``os.getloadavg()`` at the start and
the end (and around each batch), the process's nice value, and the workers' CPU seconds: on a
busy machine the wall-clock speed-up says little, while the CPU seconds show what splitting costs.
Writes tests/benchmarks/results/batch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANISH_TESTING", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from inpaint_core.batch import JobSpec, run_batch  # noqa: E402
from tests.synth import make_video  # noqa: E402


def timed_batch(workers: int, job: JobSpec, task_frames: int) -> dict:
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address="127.0.0.1:0", silence_logs=50)
    Client(cluster).close()
    startup = time.perf_counter() - t0
    try:
        with Client(cluster) as client:
            cpu0, own0 = sum(client.run(_cpu_seconds).values()), _cpu_seconds()
            load0 = os.getloadavg()[0]
            t1 = time.perf_counter()
            rep = run_batch([job], scheduler=cluster.scheduler_address, task_frames=task_frames)
            secs = time.perf_counter() - t1
            cpu = sum(client.run(_cpu_seconds).values()) - cpu0
            own = _cpu_seconds() - own0
    finally:
        cluster.close()
    row = rep["jobs"][0]
    assert row["status"] == "done", row
    return {"workers": workers, "tasks": row["tasks"], "seconds": round(secs, 2),
            "startup_seconds": round(startup, 2), "fps": round(row["frames"] / secs, 2),
            "worker_cpu_seconds": round(cpu, 2), "driver_cpu_seconds": round(own, 2), "load_average_1min": [round(load0, 1), round(os.getloadavg()[0], 1)]}


def _cpu_seconds(who: str = "self") -> float:
    """User + system CPU seconds of this process (run on each worker), or of its waited-for children."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=600)
    ap.add_argument("--size", default="160x96")
    ap.add_argument("--engine", default="telea")
    ap.add_argument("--residuals", default="both")
    ap.add_argument("--repeat", type=int, default=2, help="alternating plain/batch pairs for the overhead")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    load_start = os.getloadavg()
    niced = os.nice(0)
    settings = {"engine": args.engine, "residuals": args.residuals}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        clip = make_video(d / "long.mp4", n=args.frames, size=(w, h), fps=25, audio=True).path
        m = np.zeros((h, w), np.uint8)
        m[h // 3:h // 3 + h // 4, w // 3:w // 3 + w // 3] = 255
        cv2.imwrite(str(d / "m.png"), m)
        task_frames = -(-args.frames // 4)  # 4 tasks

        def job(name: str) -> JobSpec:
            return JobSpec(name, d / f"{name}.mp4", source=clip, masks=d / "m.png", settings=settings)

        import dask
        import distributed  # noqa: F401  (loads its config)

        dask_env = {k: str(v) for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()}
        plains, plains_dask, ones, cpus, cpus_dask = [], [], [], [], []
        for r in range(args.repeat):  # alternate, keep the best of each (the machine is shared)
            for env, runs, what in ((None, plains, "default threads"), (dask_env, plains_dask, "Dask's limits")):
                t0, c0 = time.perf_counter(), _cpu_seconds("children")
                subprocess.run([sys.executable, "-m", "inpaint_core.cli", "export", str(clip), "--masks",
                                str(d / "m.png"), "--out", str(d / f"plain{r}.mp4"), "--engine", args.engine,
                                "--residuals", args.residuals], check=True, capture_output=True,
                               env={**os.environ, **(env or {})})
                runs.append(time.perf_counter() - t0)
                (cpus if env is None else cpus_dask).append(_cpu_seconds("children") - c0)
                print(f"vanish export ({what}): {args.frames} frames in {runs[-1]:.1f} s, "
                      f"{(cpus if env is None else cpus_dask)[-1]:.1f} CPU s")
            ones.append(timed_batch(1, job(f"one_task{r}"), args.frames + 1))
            print(f"batch, one clip in one task on 1 worker: {ones[-1]['seconds']:.1f} s "
                  f"(+ cluster start {ones[-1]['startup_seconds']:.1f} s)")
        plain, plain_dask = min(plains), min(plains_dask)
        one_task = min(ones, key=lambda o: o["seconds"])
        w1s, w2s = [], []
        for r in range(args.repeat):  # alternate 1 and 2 workers, keep the best of each
            w1s.append(timed_batch(1, job(f"w1_{r}"), task_frames))
            print(f"batch, {w1s[-1]['tasks']} tasks on 1 worker: {w1s[-1]['seconds']:.1f} s")
            w2s.append(timed_batch(2, job(f"w2_{r}"), task_frames))
            print(f"batch, {w2s[-1]['tasks']} tasks on 2 workers: {w2s[-1]['seconds']:.1f} s")
        w1 = min(w1s, key=lambda o: o["seconds"])
        w2 = min(w2s, key=lambda o: o["seconds"])
    speedup = w1["seconds"] / w2["seconds"]
    res_load = os.getloadavg()[0]
    overhead = one_task["seconds"] / plain_dask - 1
    overhead_start = (one_task["seconds"] + one_task["startup_seconds"]) / plain_dask - 1
    vs_default = one_task["seconds"] / plain - 1
    batch_cpu = one_task["worker_cpu_seconds"] + one_task["driver_cpu_seconds"]
    cpu_overhead = batch_cpu / min(cpus_dask) - 1
    print(f"in CPU seconds (independent of the load): one-task batch {batch_cpu:.1f} (workers + driver) against "
          f"{min(cpus_dask):.1f} for the plain export with the same limits: {100 * cpu_overhead:+.1f} %")
    cpu_ratio = w2["worker_cpu_seconds"] / max(1e-9, w1["worker_cpu_seconds"])
    print(f"speed-up 1 -> 2 workers: {speedup:.2f}x (cores: {os.cpu_count()}, load average {res_load:.1f}, "
          f"at the start {load_start[0]:.1f}; nice {niced}); worker CPU seconds 2 vs 1 worker: "
          f"{w2['worker_cpu_seconds']:.1f} / {w1['worker_cpu_seconds']:.1f} ({cpu_ratio:.2f}x)")
    print(f"batch overhead over a plain export with the same thread limits, one clip: {100 * overhead:+.1f} % "
          f"({100 * overhead_start:+.1f} % with the cluster start); against the default-thread export "
          f"{100 * vs_default:+.1f} %")
    res = {"frames": args.frames, "size": [w, h], "engine": args.engine, "residuals": args.residuals,
           "cpu_count": os.cpu_count(), "load_average_1min_at_end": round(res_load, 1),
           "loadavg_start": [round(v, 2) for v in load_start], "loadavg_end": [round(v, 2) for v in os.getloadavg()],
           "nice": niced, "plain_dask_threads_cpu_seconds": [round(v, 2) for v in cpus_dask],
           "plain_cpu_seconds": [round(v, 2) for v in cpus], "batch_cpu_overhead": round(cpu_overhead, 3), "machine": platform.machine(), "worker_cpu_ratio_2_vs_1": round(cpu_ratio, 3), "plain_export_seconds": round(plain, 2),
           "plain_export_dask_threads_seconds": round(plain_dask, 2), "plain_runs": [round(v, 2) for v in plains],
           "plain_dask_threads_runs": [round(v, 2) for v in plains_dask],
           "one_task_runs": [o["seconds"] for o in ones], "batch_vs_default_thread_export": round(vs_default, 3),
           "one_task": one_task, "one_worker": w1, "two_workers": w2,
           "one_worker_runs": [o["seconds"] for o in w1s], "two_worker_runs": [o["seconds"] for o in w2s], "speedup_2_workers": round(speedup, 3),
           "batch_overhead": round(overhead, 3), "batch_overhead_with_startup": round(overhead_start, 3)}
    out = ROOT / "tests" / "benchmarks" / "results" / "batch.json"
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
