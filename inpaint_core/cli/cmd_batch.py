"""``vanish batch``: export many clips, or long ones cut into tasks, on a Dask cluster.

Examples::

    vanish batch jobs.toml                      # local cluster, 2 worker processes
    vanish batch projects/ --workers 4          # every NAME.vanish in the folder
    vanish batch jobs.txt --scheduler tcp://farm:8786   # an existing `dask scheduler`
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import VanishError
from ..jobs import CancelToken
from .argtypes import size_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="export many clips (or long clips in parallel tasks) on a Dask cluster",
        description="Run the jobs of JOBS (a folder of .vanish projects, a text file of 'VIDEO MASKS "
        "OUTPUT' lines, or a .toml job file) as Dask tasks: each clip is cut at shot boundaries and "
        "into chunks with context frames, each task writes a lossless segment, and a last task "
        "joins them into the output with the audio. Finished segments are kept, so running the same "
        "batch again redoes only what is missing. Workers need the vanish package and the same "
        "paths to the media and outputs (shared storage).")
    p.add_argument("jobs", metavar="JOBS", help="folder of projects, text file or .toml job file")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=2, metavar="N",
                       help="worker processes of a local cluster on this machine (default 2)")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="submit to a running `dask scheduler` instead of a local cluster")
    p.add_argument("--task-frames", type=int, default=240, metavar="N",
                   help="frames per task for long clips (default 240; tasks never cross a shot)")
    p.add_argument("--out-dir", metavar="DIR", help="output folder for a folder of projects (default: that folder)")
    p.add_argument("--report", metavar="FILE", help="JSON report (default: batch-report.json beside JOBS)")
    p.add_argument("--engine", metavar="E", help="fill engine for jobs that name none")
    p.add_argument("--work-size", type=size_arg, metavar="WxH", help="engine working size for every job")
    p.set_defaults(func=run)


def _fmt(sec: float | None) -> str:
    if sec is None:
        return "ETA --:--"
    s = int(round(sec))
    return f"ETA {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"ETA {s // 60}:{s % 60:02d}"


class BatchPrinter:
    """Prints :class:`BatchProgress` to stderr: one rewritten line on a terminal, else a line per
    change; messages (finished clips, failures, the dashboard link) on their own lines."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = ""

    def __call__(self, p) -> None:
        line = (f"batch: {p.clips_done}/{p.clips} clips, {p.frames_done}/{p.frames} frames, "
                f"{p.fps:.1f} frames/s, {_fmt(p.eta)}")
        if p.message:
            self.stream.write(("\r\033[K" if self.tty else "") + p.message + "\n")
        if line != self._last:
            self.stream.write(("\r\033[K" + line) if self.tty else line + "\n")
            self._last = line
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run(args: argparse.Namespace) -> int:
    from ..batch import parse_jobs, run_batch

    defaults = {}
    if args.engine:
        defaults["engine"] = args.engine
    if args.work_size:
        defaults["work_size"] = "x".join(str(v) for v in args.work_size)
    if args.out_dir:
        try:
            Path(args.out_dir).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise VanishError(f"Cannot create the output folder {args.out_dir}: {exc.strerror or exc}.") from None
    jobs = parse_jobs(args.jobs, args.out_dir, defaults)
    src = Path(args.jobs)
    report = Path(args.report) if args.report else (
        src / "batch-report.json" if src.is_dir() else src.with_name(f"{src.stem}.report.json"))
    token = CancelToken()
    printer = BatchPrinter()
    try:
        rep = run_batch(jobs, workers=args.workers, scheduler=args.scheduler, task_frames=args.task_frames,
                        report=report, on_progress=printer, cancel=token)
    finally:
        printer.close()
    failed = [r for r in rep["jobs"] if r["status"] == "failed"]
    run_n = sum(r["tasks_run"] for r in rep["jobs"])
    reused = sum(r["tasks_reused"] for r in rep["jobs"])
    ok = sum(r["status"] in ("done", "unchanged") for r in rep["jobs"])
    print(f"batch: {ok}/{len(jobs)} clips done, {run_n} task(s) run, {reused} reused, "
          f"{rep['seconds']:.1f} s; report {report}", file=sys.stderr)
    for r in failed:
        print(f"error: {r['name']}: {r['error']}", file=sys.stderr)
    if rep.get("stopped"):
        print("batch stopped: run the same command again to finish it (finished segments are kept).",
              file=sys.stderr)
        return 130
    return 2 if failed else 0
