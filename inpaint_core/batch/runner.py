"""Drive a batch on a Dask cluster: plan every job, run its segment tasks anywhere, join each job
once its segments are done, and report.

:func:`run_batch` submits to an existing scheduler (``scheduler="tcp://HOST:PORT"``) or starts a
local cluster of ``workers`` processes (one thread each) on 127.0.0.1 and closes it at the end.
Progress goes to ``on_progress`` as :class:`BatchProgress`; a stopped batch (``cancel``, Ctrl-C)
keeps its finished segments, so running it again redoes only the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import VanishError
from ..jobs import CancelToken
from .jobs import JobSpec
from .tasks import join_task, plan_task, segment_task

RETRIES = 2  # extra tries of a task that raised unexpectedly (a worker that dies is rescheduled anyway)


@dataclass
class BatchProgress:
    """Where the batch stands: clips finished (done or failed) of all, frames in finished segments
    of the frames planned so far, frames per second of the segments computed, ETA in seconds."""

    clips_done: int
    clips: int
    frames_done: int
    frames: int
    fps: float
    eta: float | None
    message: str = ""


def _local_cluster(workers: int):
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address="127.0.0.1:0", silence_logs=50)


def dashboard_link(client) -> str | None:
    """The dashboard address when the scheduler serves one (it needs bokeh), else None."""
    try:
        info = client.scheduler_info()
        if "dashboard" not in info.get("services", {}):
            return None
        return client.dashboard_link
    except Exception:
        return None


def run_batch(jobs: list[JobSpec], *, workers: int = 2, scheduler: str | None = None,
              task_frames: int = 240, report: str | os.PathLike | None = None,
              on_progress: Callable[[BatchProgress], None] | None = None,
              cancel: CancelToken | None = None) -> dict:
    """Run ``jobs``; returns the report ``{"jobs": [...], "seconds", "workers", "scheduler",
    "stopped", "dashboard"}``, each job ``{"name", "output", "status" (done, unchanged, failed,
    stopped), "frames", "seconds", "tasks", "tasks_run", "tasks_reused", "error"}``; also written to
    ``report`` (JSON) when given."""
    from distributed import Client

    cancel = cancel or CancelToken()
    if scheduler is None and workers < 1:
        raise VanishError("--workers must be at least 1.")
    cluster = None
    try:
        if scheduler is None:
            cluster = _local_cluster(workers)
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise VanishError(f"Cannot reach the Dask scheduler at {scheduler}: {exc}.") from None
        try:
            link = dashboard_link(client)
            if on_progress is not None and link:
                on_progress(BatchProgress(0, len(jobs), 0, 0, 0.0, None, f"Dask dashboard: {link}"))
            rep = _drive(client, jobs, task_frames, on_progress, cancel)
            rep["workers"] = len(client.scheduler_info().get("workers", {}))
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
    rep["scheduler"] = scheduler or "local"
    rep["dashboard"] = link
    if report:
        _write_report(Path(report), rep)
    return rep


def _write_report(path: Path, rep: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(rep, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise VanishError(f"Cannot write the report {path}: {exc.strerror or exc}.") from None


def _drive(client, jobs: list[JobSpec], task_frames: int, on_progress, cancel: CancelToken) -> dict:
    from distributed import as_completed

    t_start = time.monotonic()
    tag = uuid.uuid4().hex[:8]
    specs = [j.to_json() for j in jobs]
    rows = [{"name": j.name, "output": str(j.output), "status": "stopped", "frames": 0, "seconds": 0.0,
             "tasks": 0, "tasks_run": 0, "tasks_reused": 0, "error": None} for j in jobs]
    started = [time.monotonic()] * len(jobs)
    meta = {}
    ac = as_completed()
    for k, spec in enumerate(specs):
        f = client.submit(plan_task, spec, task_frames, key=f"plan-{k}-{tag}", pure=False, retries=RETRIES)
        meta[f.key] = ("plan", k, None)
        ac.add(f)
    state = {"frames": 0, "done": 0, "computed": 0, "compute_s": 0.0}
    finished = set()

    def report(msg: str = "") -> None:
        if on_progress is None:
            return
        el = time.monotonic() - t_start
        fps = state["computed"] / el if el > 0 and state["computed"] else 0.0
        left = state["frames"] - state["done"]
        eta = left / fps if fps > 0 else None
        on_progress(BatchProgress(len(finished), len(jobs), state["done"], state["frames"], fps, eta, msg))

    def fail(k: int, msg: str) -> None:
        rows[k].update(status="failed", error=msg, seconds=round(time.monotonic() - started[k], 3))
        finished.add(k)
        report(f"{rows[k]['name']}: failed: {msg}")

    stopped = False
    while not ac.is_empty():
        try:
            if cancel.cancelled:
                raise KeyboardInterrupt
            batch = ac.next_batch(block=False)
            if not batch:
                time.sleep(0.05)
                continue
        except KeyboardInterrupt:  # stopped: finished segments stay for the next run
            stopped = True
            break
        for fut in batch:
            kind, k, extra = meta.pop(fut.key)
            try:
                res = fut.result()
            except Exception as exc:  # the task kept raising (after retries) or its worker kept dying
                res = {"error": f"internal error: {type(exc).__name__}: {exc}"}
            if k in finished:
                continue
            if res.get("error"):
                fail(k, res["error"])
                continue
            if kind == "plan":
                _submit_job(client, ac, meta, specs[k], k, res, tag)
                rows[k]["tasks"] = len(res["tasks"])
                state["frames"] += res["frames"]
                if res["done"]:
                    rows[k].update(status="unchanged", frames=res["frames"], tasks_reused=len(res["tasks"]),
                                   seconds=round(time.monotonic() - started[k], 3))
                    state["done"] += res["frames"]
                    finished.add(k)
                    report(f"{rows[k]['name']}: unchanged, output kept")
            elif kind == "segment":
                state["done"] += res["frames"]
                if res["reused"]:
                    rows[k]["tasks_reused"] += 1
                else:
                    rows[k]["tasks_run"] += 1
                    state["computed"] += res["frames"]
                report()
            else:  # join
                rows[k].update(status="done", frames=res["frames"], seconds=round(time.monotonic() - started[k], 3))
                finished.add(k)
                report(f"{rows[k]['name']}: wrote {res['output']}")
    if stopped:
        with contextlib.suppress(Exception):
            client.cancel(list(getattr(ac, "futures", [])))
    return {"jobs": rows, "seconds": round(time.monotonic() - t_start, 3), "stopped": stopped}


def _submit_job(client, ac, meta, spec: dict, k: int, plan: dict, tag: str) -> None:
    """Submit a planned job's segment tasks and its join task (which waits on all of them)."""
    if plan["done"]:
        return
    segs = []
    for t, task in enumerate(plan["tasks"]):
        f = client.submit(segment_task, spec, task, plan["shots"], key=f"segment-{k}-{t}-{tag}",
                          pure=False, retries=RETRIES)
        meta[f.key] = ("segment", k, t)
        ac.add(f)
        segs.append(f)
    j = client.submit(join_task, spec, plan, segs, key=f"join-{k}-{tag}", pure=False, retries=RETRIES)
    meta[j.key] = ("join", k, None)
    ac.add(j)
