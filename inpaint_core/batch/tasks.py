"""The three kinds of batch task, plain functions a Dask worker runs (they take and return JSON-like
dicts, so any worker with the package and the media paths can run them).

- :func:`plan_task`: find the clip's shots, cut it into the whole-clip export's chunks and group
  them into tasks (never across a shot), and key every task by a digest of its inputs and settings.
- :func:`segment_task`: export one task's frames into a lossless segment in the job's work folder,
  or keep the segment already there when its digest and checksum verify.
- :func:`join_task`: encode the segments into the output as the single-process export would (its
  encode plan, the source's samples, smart render, timing, tags and audio; the target appears
  atomically), then leave only ``done.json`` in the work folder.

The work folder of output ``DIR/NAME`` is ``DIR/.NAME.batch/``. A task that meets bad input returns
``{"error": message}`` instead of raising, so the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import VanishError
from ..jobs import run_job
from .jobs import JobSpec

FORMAT_VERSION = 1  # bump when a segment's content for the same inputs changes


def work_dir(output: str | os.PathLike) -> Path:
    out = Path(output)
    return out.parent / f".{out.name}.batch"


def resolve(spec: dict) -> dict:
    """Video, masks and export settings of a job (dict of :class:`JobSpec`), a project's settings
    filling in what the job leaves out."""
    s = dict(spec.get("settings") or {})
    options = {"checkpoint": s["checkpoint"]} if s.get("checkpoint") else {}
    engine, grow, feather = s.get("engine"), s.get("grow"), s.get("feather")
    if spec.get("project"):
        from ..project import Project

        proj = Project.load(spec["project"])
        ps = proj.settings
        video = proj.video_path
        masks = spec.get("masks") or proj.layers
        if engine in (None, ps.engine):
            options = {**ps.engine_options, **options}
        engine = engine or ps.engine
        grow = ps.grow if grow is None else grow
        feather = ps.feather if feather is None else feather
    else:
        video, masks = Path(spec["source"]), spec["masks"]
        if not video.is_file():
            raise VanishError(f"The video {video} does not exist.")
    from ..engines import DEFAULT_ENGINE

    return {"video": Path(video), "masks": masks, "engine": engine or DEFAULT_ENGINE, "options": options,
            "grow": grow, "feather": feather, "residuals": s.get("residuals", "both"),
            "work_size": tuple(s["work_size"]) if s.get("work_size") else None,
            "crf": s.get("crf"), "format": s.get("format"), "audio": s.get("audio", True)}


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _mask_digests(mask_fn, ranges: list[tuple[int, int]], n: int) -> list[str]:
    """One digest per (lo, hi) range of the masks of its frames; a mask object returned again
    (a stationary mask) is hashed once."""
    cache: dict[int, tuple[object, str]] = {}

    def one(i: int) -> str:
        m = mask_fn(i)
        hit = cache.get(id(m))
        if hit is not None and hit[0] is m:
            return hit[1]
        d = hashlib.sha1(np.ascontiguousarray(m).tobytes()).hexdigest()
        cache.clear()
        cache[id(m)] = (m, d)
        return d

    per = {i: one(i) for i in range(n) if any(lo <= i < hi for lo, hi in ranges)}
    return [_digest([per[i] for i in range(lo, hi)]) for lo, hi in ranges]


def _guard(fn):
    """Run ``fn``; bad input (a :class:`VanishError`) becomes ``{"error": message}``."""
    def wrapped(*args, **kw):
        try:
            return fn(*args, **kw)
        except VanishError as exc:
            return {"error": str(exc)}
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


@_guard
def plan_task(spec: dict, task_frames: int = 240, chunk_frames: int = 48) -> dict:
    """Plan a job: ``{"frames", "shots", "tasks": [{"chunks", "context", "key", "path"}], "key",
    "done"}``; ``done`` is True when the output already holds this very job (same key and file)."""
    from ..engines import create_engine
    from ..export.pipeline import default_grow
    from ..export.residuals import Geometry
    from ..export.segment import scan_shots, segment_context
    from ..export.settings import canvas_mode, default_work_size, mask_reader, plan_chunks
    from ..fsutil import check_output_folder
    from ..video import probe

    job = resolve(spec)
    src = job["video"]
    check_output_folder(Path(spec["output"]).parent)
    if Path(spec["output"]).resolve() == src.resolve():
        raise VanishError(f"The output {spec['output']} is the job's own source video; choose another name.")
    info = probe(src)
    n, size = int(info.frame_count), (int(info.width), int(info.height))
    if n <= 0:
        raise VanishError(f"The video {src} has no frames.")
    eng = create_engine(job["engine"], **job["options"])
    work = tuple(eng.fixed_size or job["work_size"] or default_work_size(size, None))
    geom = Geometry(size, work, canvas_mode(size, work))
    grow = default_grow(eng, geom) if job["grow"] is None else int(job["grow"])
    shots = run_job(scan_shots(src))
    chunks = plan_chunks(0, n, shots, chunk_frames)
    groups: list[list[tuple[int, int]]] = []
    for c in chunks:
        g = groups[-1] if groups else None
        same_shot = g is not None and any(a <= g[0][0] < b and a <= c[0] < b for a, b in shots)
        if g is not None and same_shot and g[-1][1] - g[0][0] < task_frames:
            g.append(c)
        else:
            groups.append([c])
    contexts = []
    for g in groups:
        shot = next((a, b) for a, b in shots if a <= g[0][0] < b)
        contexts.append(segment_context(g[0][0], g[-1][1], shot, job["residuals"]))
    mask_fn = mask_reader(job["masks"], n, size)
    st = os.stat(src)
    common = {"v": FORMAT_VERSION, "vanish": __version__, "source": [str(src.resolve()), st.st_size,
              st.st_mtime_ns], "engine": eng.name, "options": job["options"], "work": list(work),
              "grow": grow, "feather": job["feather"], "residuals": job["residuals"], "shots": shots}
    wd = work_dir(spec["output"])
    tasks = []
    for g, ctx, md in zip(groups, contexts, _mask_digests(mask_fn, contexts, n)):
        key = _digest({**common, "chunks": g, "context": ctx, "masks": md})
        a, b = g[0][0], g[-1][1]
        tasks.append({"chunks": g, "context": list(ctx), "key": key, "frames": b - a,
                      "path": str(wd / f"seg_{a:07d}_{b:07d}.mkv")})
    enc = {"crf": job["crf"], "format": job["format"], "audio": job["audio"]}
    key = _digest({"tasks": [t["key"] for t in tasks], **enc})
    return {"frames": n, "shots": shots, "tasks": tasks, "key": key, "done": _is_done(spec["output"], key)}


def _out_stamp(output: Path) -> list:
    st = os.stat(output)
    return [st.st_size, st.st_mtime_ns]


def _is_done(output, key: str) -> bool:
    try:
        d = json.loads((work_dir(output) / "done.json").read_text(encoding="utf-8"))
        return d.get("key") == key and d.get("output") == _out_stamp(Path(output))
    except (OSError, ValueError):
        return False


def _segment_ok(task: dict) -> bool:
    """Whether the task's segment exists, was made with the task's key, and is intact."""
    seg = Path(task["path"])
    try:
        meta = json.loads(seg.with_suffix(".json").read_text(encoding="utf-8"))
        return meta.get("key") == task["key"] and meta.get("sha256") == _file_sha(seg)
    except (OSError, ValueError):
        return False


@_guard
def segment_task(spec: dict, task: dict, shots: list) -> dict:
    """Export one task's frames into its segment (or keep a verified one). Returns ``{"frames",
    "reused", "seconds", "worker"}``."""
    from ..export.segment import export_segment

    t0 = time.monotonic()
    seg = Path(task["path"])
    base = {"frames": task["frames"], "pid": os.getpid()}
    if _segment_ok(task):
        return {**base, "reused": True, "seconds": time.monotonic() - t0}
    job = resolve(spec)
    seg.parent.mkdir(parents=True, exist_ok=True)
    res = run_job(export_segment(job["video"], job["masks"], seg, [tuple(c) for c in task["chunks"]],
                                 [tuple(s) for s in shots], residuals=job["residuals"], engine=job["engine"],
                                 engine_options=job["options"], work_size=job["work_size"],
                                 grow=job["grow"], feather=job["feather"]))
    if res.frames != task["frames"]:
        raise VanishError(f"The segment {seg.name} got {res.frames} frames instead of {task['frames']}.")
    meta = seg.with_suffix(".json")
    tmp = meta.with_name(f".{meta.name}.tmp")
    tmp.write_text(json.dumps({"key": task["key"], "sha256": _file_sha(seg), "frames": res.frames}),
                   encoding="utf-8")
    os.replace(tmp, meta)
    return {**base, "reused": False, "seconds": time.monotonic() - t0}


@_guard
def join_task(spec: dict, plan: dict, segments: list[dict]) -> dict:
    """Encode the job's verified segments into its output; ``{"frames", "seconds", "output"}``."""
    from ..export.segment import encode_segments

    t0 = time.monotonic()
    for r in segments:
        if r.get("error"):
            return {"error": r["error"]}
    for t in plan["tasks"]:
        if not _segment_ok(t):
            raise VanishError(f"The segment {Path(t['path']).name} is missing or damaged; run the batch again.")
    job = resolve(spec)
    out = Path(spec["output"])
    n = run_job(encode_segments(job["video"], [t["path"] for t in plan["tasks"]], out, fmt=job["format"],
                                crf=job["crf"], audio=job["audio"], masks=job["masks"]))
    wd = work_dir(out)
    for t in plan["tasks"]:  # the output holds them now
        Path(t["path"]).unlink(missing_ok=True)
        Path(t["path"]).with_suffix(".json").unlink(missing_ok=True)
    tmp = wd / ".done.json.tmp"
    tmp.write_text(json.dumps({"key": plan["key"], "output": _out_stamp(out)}), encoding="utf-8")
    os.replace(tmp, wd / "done.json")
    return {"frames": n, "seconds": time.monotonic() - t0, "output": str(out)}


def forget(output) -> None:
    """Remove a job's work folder (segments and done marker)."""
    shutil.rmtree(work_dir(output), ignore_errors=True)


__all__ = ["JobSpec", "plan_task", "segment_task", "join_task", "work_dir", "resolve", "forget"]
