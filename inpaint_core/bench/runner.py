"""The benchmark harness: every engine fills the same clips with the same synthetic holes in one
process, and each result is scored against the clip itself (the ground truth).

Honest input: no engine sees the truth inside the hole. Before any engine runs, the hole pixels of
its frames are replaced (:mod:`.occlude`; by default a burned-in striped "logo"), as they hold the
object or logo in real use; the scores compare the result with the untouched truth.
``hole_content="truth"`` restores the old, optimistic input (for comparisons only). Then, as on every engine path (the export, the preview,
``vanish inpaint``), the hole is painted over from its surroundings
(:func:`inpaint_core.prefill.engine_input`), so the engine here gets exactly the frames the
export's engine gets (:func:`engine_frames`).

Fair scoring: every engine gets the same hole mask; for *running*, the mask is grown by the
engine's own ``default_grow`` (as it would be in the editor), but the in-hole scores are taken
inside the original, ungrown mask so that engines growing more are not judged on more pixels.
Whole-frame scores cover the whole frame (pixels outside the grown mask are the input's own).

Entry points: :func:`bench_job` (a generator job yielding ``Progress``, returning a
:class:`BenchResult`), :func:`run_bench` (drives it). Building blocks reused by other benchmarks
(e.g. a full-resolution mode): :func:`make_masks`, :func:`run_engine`, :func:`score_run`,
:func:`summarize` and :mod:`.clips`.
"""

from __future__ import annotations

import os
import platform
import time
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, metrics
from ..clipsource import ArrayClipSource
from ..engines import create_engine, engine_class
from ..engines.base import Filled
from ..errors import Cancelled, MaskError, VanishError
from ..jobs import CancelToken, Progress, run_job
from ..prefill import engine_input
from .clips import Clip, expand_clip_paths, load_clip
from .masks import MASK_TYPES, generate_masks
from .memory import PeakMemory
from .occlude import DEFAULT_HOLE_CONTENT, check_hole_content, occlude
from .regions import REGION_KEYS, region_scores, revealed_masks

SCORE_KEYS = ("psnr", "psnr_hole", "ssim", "ssim_hole", "warp_error", "warp_error_hole", "warp_error_self",
              "flicker") + REGION_KEYS
NOTES = [
    metrics.VFID_NOTE,
    "Engines never see the truth inside the hole: its pixels are replaced before the engine runs "
    "(config hole_content: 'logo' = burned-in striped overlay anchored at the hole's centre, the default; "
    "'flat' = grey 128; 'truth' = the true pixels, the old optimistic input); scores use the truth. "
    "Then the hole is painted over from its surroundings (pull-push prefill), as the export, the preview "
    "and vanish inpaint give it to the engine (not with 'truth'); what lay under it cannot reach the engine.",
    "Each engine runs on the mask grown by its own default_grow; in-hole scores use the original mask.",
    "PSNR/SSIM: mean over frames; psnr_hole pools the squared error of all hole pixels of the clip; "
    "SSIM is the channel mean of Gaussian-window SSIM (Wang et al. 2004).",
    "warp_error: flow warping error of the result (Lai et al.: [0,1]^2, frame t+1 warped to t along the "
    "flow of the ground-truth video, pixels failing its cycle-consistency test excluded), over the whole "
    "frame and (warp_error_hole) over the hole of frame t; warp_error_self estimates the flow on the "
    "result instead (a blurry fill can score below the truth there); the ground_truth entry of a clip "
    "is the true video's own; flicker: mean |temporal difference error| inside the hole in 8-bit levels.",
    "Regions (with the warping error): revealed = hole pixels that some other frame shows, following the "
    "truth's flow (cycle-consistent steps); unrevealed = the rest; psnr_/ssim_ pooled over each region; "
    "texture_* = mean squared Laplacian of the result over the region / the truth's (1.0 = as sharp).",
    "An engine named 'name:key=value,...' runs engine 'name' with those options (e.g. "
    "propagate:fill_method=telea).",
    "fps counts the engine's run only; setup_s is engine construction (model loading); peak_rss_mb is "
    "the growth of the process's resident memory over setup and run.",
]


@dataclass
class BenchConfig:
    """What to benchmark. ``size`` = (W, H) working size; ``area`` = hole area ratio range;
    ``engine_options``: per engine name, keyword options for :func:`create_engine`."""

    engines: list[str]
    clips: list[str | Path]
    mask_type: str = "stationary"
    frames: int = 60
    size: tuple[int, int] = (432, 240)
    seed: int = 0
    area: tuple[float, float] = (0.05, 0.15)
    engine_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    samples: int = 2
    warp: bool = True
    note: str = ""
    hole_content: str = DEFAULT_HOLE_CONTENT


@dataclass
class EngineRun:
    """One engine on one clip. ``frames``: (N, H, W, 3) uint8 results when ``status == 'ok'``."""

    engine: str
    status: str  # "ok", "unavailable" or "failed"
    reason: str = ""
    label: str = ""
    grow: int = 0
    frames: np.ndarray | None = None
    seconds: float = 0.0
    setup_s: float = 0.0
    peak_rss_mb: float = 0.0
    peak_torch_mb: float | None = None

    @property
    def fps(self) -> float:
        n = 0 if self.frames is None else len(self.frames)
        return n / self.seconds if self.seconds > 0 else float("nan")

    def record(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "frames"}
        d["fps"] = self.fps if self.status == "ok" else None
        return d


@dataclass
class ClipSamples:
    """Sample frames of one clip for the contact sheet: all lists are indexed like ``indices``."""

    name: str
    indices: list[int]
    truth: list[np.ndarray]
    masks: list[np.ndarray]
    results: dict[str, list[np.ndarray]] = field(default_factory=dict)


@dataclass
class BenchResult:
    """``data``: the JSON-ready results (see :func:`bench_job`); ``samples``: contact-sheet frames."""

    data: dict[str, Any]
    samples: list[ClipSamples]


def make_masks(mask_type: str, n: int, size: tuple[int, int], seed: int, area: tuple[float, float]) -> np.ndarray:
    """(n, H, W) uint8 synthetic holes; :class:`MaskError` when the request cannot be met."""
    if mask_type not in MASK_TYPES:
        raise MaskError(f"Unknown mask type '{mask_type}'; choose one of {', '.join(MASK_TYPES)}.")
    try:
        return generate_masks(mask_type, n, size, seed=seed, area=area)
    except ValueError as exc:
        raise MaskError(str(exc)) from None


def clip_seed(seed: int, name: str) -> int:
    """The mask seed of one clip: the run's ``seed`` mixed with the clip's name, so that clips get
    different holes, and a clip gets the same holes whatever else is in the run."""
    return int(seed) * 1_000_003 + zlib.crc32(name.encode("utf-8")) % 1_000_003


def _engine_meta(name: str) -> tuple[str, int, tuple[int, int] | None]:
    cls = engine_class(name)
    return cls.label or name, int(cls.default_grow), cls.fixed_size


def engine_frames(frames: np.ndarray, masks: np.ndarray,
                  hole_content: str = DEFAULT_HOLE_CONTENT, prefill: bool | None = None) -> np.ndarray:
    """(N, H, W, 3) uint8: what an engine is given of ``frames`` with holes ``masks`` (N, H, W)
    (the user's holes, before the engine's growth): the hole pixels replaced as ``hole_content``
    says (:func:`.occlude.occlude`), then painted over by the prefill every engine path applies
    (:func:`inpaint_core.prefill.engine_input`; ``prefill`` None = its default). With
    ``"truth"`` the true frames, unchanged (the old optimistic input, for comparisons)."""
    seen = occlude(frames, masks, hole_content)
    if hole_content == "truth":
        return seen
    out = np.empty_like(seen)
    for i in range(len(seen)):
        out[i] = engine_input(seen[i], masks[i], prefill)
    return out


def run_engine(
    name: str,
    frames: np.ndarray,
    masks: np.ndarray,
    options: dict[str, Any] | None = None,
    cancel: CancelToken | None = None,
    stage: str = "",
    hole_content: str = DEFAULT_HOLE_CONTENT,
) -> Generator[Progress, None, EngineRun]:
    """Run engine ``name`` on ``frames`` (N, H, W, 3) uint8 with holes ``masks`` (N, H, W) uint8,
    grown by the engine's ``default_grow``. Yields ``Progress``; returns an :class:`EngineRun`.

    The engine is given :func:`engine_frames`: ``frames`` with the pixels under ``masks`` replaced
    as ``hole_content`` says (by default a burned-in logo, so that nothing of the truth inside the
    hole reaches the engine), then prefilled as on every engine path; ``"truth"`` gives it the true
    frames.

    An engine that cannot run here (not built, no checkpoint, wrong working size) gives status
    ``unavailable`` with the reason; one that raises while running gives ``failed``. Only
    :class:`Cancelled` propagates.
    """
    cancel = cancel or CancelToken()
    check_hole_content(hole_content)
    try:
        label, grow, fixed = _engine_meta(name)
    except VanishError as exc:
        return EngineRun(name, "unavailable", str(exc))
    h, w = frames.shape[1:3]
    if fixed is not None and tuple(fixed) != (w, h):
        return EngineRun(name, "unavailable", f"works only at {fixed[0]}x{fixed[1]}; run the bench with "
                         f"--size {fixed[0]}x{fixed[1]}", label, grow)
    run = EngineRun(name, "ok", "", label, grow)
    out = np.empty_like(frames)
    seen = np.zeros(len(frames), bool)
    seen_frames = engine_frames(frames, masks, hole_content)  # what the engine may look at
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        try:
            engine = create_engine(name, **(options or {}))
        except Cancelled:
            raise
        except VanishError as exc:
            return EngineRun(name, "unavailable", str(exc), label, grow)
        t1 = time.perf_counter()
        src = ArrayClipSource(seen_frames, masks, grow=engine.default_grow, cancel=cancel)
        try:
            for ev in engine.run(src):
                if isinstance(ev, Filled):
                    out[ev.index] = ev.rgb
                    seen[ev.index] = True
                elif isinstance(ev, Progress):
                    yield Progress(ev.done, ev.total, stage or name)
        except Cancelled:
            raise
        except Exception as exc:  # an engine bug must not take the whole benchmark down
            run.status, run.reason = "failed", f"{type(exc).__name__}: {exc}"
        t2 = time.perf_counter()
    run.setup_s, run.seconds = t1 - t0, t2 - t1
    run.peak_rss_mb = mem.rss_delta / 2**20
    run.peak_torch_mb = None if mem.torch_peak is None else mem.torch_peak / 2**20
    if run.status == "ok" and not seen.all():
        run.status, run.reason = "failed", f"the engine delivered {int(seen.sum())} of {len(frames)} frames"
    if run.status == "ok":
        run.frames = out
    return run


def parse_engine_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``"name:key=value,key=value"`` -> (engine name, options); values that read as int or float are
    converted. A plain name has no options."""
    name, _, rest = spec.partition(":")
    opts: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise VanishError(f"Engine option '{item}' in '{spec}' is not key=value.")
        for conv in (int, float):
            try:
                opts[key] = conv(value)
                break
            except ValueError:
                continue
        else:
            opts[key] = value
    return name, opts


def score_run(run: EngineRun, truth: np.ndarray, masks: np.ndarray, flows=None,
              revealed=None) -> dict[str, float]:
    """Scores of a finished run against ``truth`` inside the original ``masks`` (see
    :func:`inpaint_core.metrics.clip_scores`); ``flows``: the truth's
    :func:`~inpaint_core.metrics.reference_flows`, None to skip the warping errors; ``revealed``:
    :func:`.regions.revealed_masks`, None to skip the per-region scores. An empty dict for runs that
    did not finish."""
    if run.status != "ok" or run.frames is None:
        return {}
    out = metrics.clip_scores(list(run.frames), list(truth), list(masks), warp=flows is not None, flows=flows)
    if revealed is not None:
        out.update(region_scores(list(run.frames), list(truth), list(masks), revealed))
    return out


def summarize(clips: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per engine over all clips: mean of each score, overall fps (frames / seconds), worst peak."""
    by: dict[str, list[dict[str, Any]]] = {}
    for c in clips:
        for e in c["engines"]:
            by.setdefault(e["engine"], []).append(e)
    out = []
    for name, runs in by.items():
        ok = [r for r in runs if r["status"] == "ok"]
        row: dict[str, Any] = {"engine": name, "label": runs[0].get("label", name), "clips": len(ok)}
        if not ok:
            row.update(status=runs[0]["status"], reason=runs[0]["reason"])
            out.append(row)
            continue
        row["status"] = "ok"
        for k in SCORE_KEYS:
            vals = [r[k] for r in ok if r.get(k) is not None and np.isfinite(r[k])]
            row[k] = float(np.mean(vals)) if vals else None
        secs = sum(r["seconds"] for r in ok)
        row["fps"] = sum(r["n_frames"] for r in ok) / secs if secs > 0 else None
        row["peak_rss_mb"] = max(r["peak_rss_mb"] for r in ok)
        torch_peaks = [r["peak_torch_mb"] for r in ok if r.get("peak_torch_mb") is not None]
        row["peak_torch_mb"] = max(torch_peaks) if torch_peaks else None
        out.append(row)
    return out


def machine_info(note: str = "") -> dict[str, Any]:
    import cv2

    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "vanish": __version__,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if note:
        info["note"] = note
    return info


def _truth_warp(frames: np.ndarray, masks: np.ndarray, flows) -> dict[str, float | None]:
    """The warping errors of the true video itself: what a perfect fill would score."""
    if flows is None:
        return {"warp_error": None, "warp_error_hole": None, "warp_error_self": None}
    whole, hole = metrics.warping_errors(list(frames), list(masks), flows=flows)
    return {"warp_error": whole, "warp_error_hole": hole, "warp_error_self": whole}


def _sample_indices(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    return [int(round(x)) for x in np.linspace(0, n - 1, k + 2)[1:-1]]


def bench_job(config: BenchConfig, cancel: CancelToken | None = None) -> Generator[Progress, None, BenchResult]:
    """Benchmark ``config.engines`` on ``config.clips``. Yields ``Progress``; returns a
    :class:`BenchResult` whose ``data`` has keys ``version``, ``config``, ``machine``, ``notes``,
    ``clips`` (per clip: name, path, source_size, size, frames, fps, mask_type, area_ratio,
    ground_truth warp error, ``engines``: per engine its status, reason, timing, memory and scores)
    and ``summary`` (:func:`summarize`)."""
    cancel = cancel or CancelToken()
    check_hole_content(config.hole_content)
    if not config.engines:
        raise VanishError("Name at least one engine with --engine.")
    paths = expand_clip_paths(config.clips)
    clips_out: list[dict[str, Any]] = []
    samples: list[ClipSamples] = []
    for ci, path in enumerate(paths):
        cancel.raise_if_cancelled()
        yield Progress(ci, len(paths), "loading clips", str(path))
        clip: Clip = load_clip(path, config.frames, config.size)
        mask_seed = clip_seed(config.seed, clip.name)
        masks = make_masks(config.mask_type, len(clip), clip.size, mask_seed, config.area)
        idx = _sample_indices(len(clip), config.samples)
        # the true video's motion, which every engine's warping error is measured along
        flows = metrics.reference_flows(list(clip.frames)) if config.warp else None
        revealed = revealed_masks(list(masks), flows) if flows is not None else None
        cs = ClipSamples(clip.name, idx, [clip.frames[i] for i in idx], [masks[i] for i in idx])
        rec: dict[str, Any] = {
            "name": clip.name, "path": clip.path, "source_size": list(clip.source_size),
            "size": list(clip.size), "frames": len(clip), "fps": clip.fps, "notes": clip.notes,
            "mask_type": config.mask_type, "mask_seed": mask_seed, "hole_content": config.hole_content,
            "area_ratio": float((masks > 0).mean()),
            "ground_truth": _truth_warp(clip.frames, masks, flows),
            "revealed_share": (float(sum(int(r.sum()) for r in revealed)) / max(1, int((masks > 0).sum()))
                               if revealed is not None else None),
            "engines": [],
        }
        for name in config.engines:
            stage = f"{clip.name}: {name}"
            base, spec_opts = parse_engine_spec(name)
            opts = {**(config.engine_options.get(base) or {}), **spec_opts}
            run = yield from run_engine(base, clip.frames, masks, opts or None, cancel, stage, config.hole_content)
            run.engine = name
            cancel.raise_if_cancelled()
            yield Progress(0, 1, f"{clip.name}: scoring {name}")
            scores = score_run(run, clip.frames, masks, flows, revealed)
            entry = run.record()
            entry["n_frames"] = 0 if run.frames is None else len(run.frames)
            entry.update(scores)
            rec["engines"].append(entry)
            if run.frames is not None:
                cs.results[name] = [run.frames[i] for i in idx]
            run.frames = None  # free the clip's results before the next engine
        clips_out.append(rec)
        samples.append(cs)
    cfg = asdict(config)
    cfg["clips"] = [str(p) for p in config.clips]
    data = {
        "version": 1,
        "config": cfg,
        "machine": machine_info(config.note),
        "notes": list(NOTES),
        "vfid": {"computed": False, "reason": metrics.VFID_NOTE},
        "clips": clips_out,
        "summary": summarize(clips_out),
    }
    return BenchResult(data, samples)


def run_bench(config: BenchConfig, on_event: Callable[[Any], None] | None = None,
              cancel: CancelToken | None = None) -> BenchResult:
    """Run :func:`bench_job` to the end (``on_event`` receives its ``Progress`` events)."""
    result = run_job(bench_job(config, cancel), on_event, cancel)
    if result is None:
        raise RuntimeError("bench_job returned no result")
    return result


def iter_engine_rows(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(clip record, engine record) pairs of a results dict, in run order."""
    for c in data["clips"]:
        for e in c["engines"]:
            yield c, e
