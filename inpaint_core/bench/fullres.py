"""Full-resolution benchmark (``vanish bench --full-res``): the export's residual modes side by side.

Ground truth is each clip at its own size; the engine runs once per clip at its working size and
every residual mode (``none``, ``temporal``, ``spatial``, ``both``) restores the same fill. Scores
are taken inside the user's (ungrown) stationary hole on a set of frames spread over the middle of
the clip (every frame still serves as a reference): in-hole PSNR (squared error pooled over those
frames), in-hole SSIM (mean), and high-frequency energy (mean squared Laplacian in the hole) beside
the truth's.

Clips: an image file becomes a sharp clip made by moving a virtual camera over it by sub-pixel
steps (:mod:`.synthetic`) at ``photo_size`` with a stationary watermark-like mask; a video is read
at its own size with its ``watermark_mask.png`` when one lies beside it, else the same synthetic
watermark at its size.

Honest input (as :func:`.runner.run_engine`): the export is given each frame with the pixels under
the user's mask replaced (:mod:`.occlude`, ``hole_content``, by default the burned-in striped logo),
as a real clip holds the logo there; the export then prefills the working-size hole as on every
path (:func:`inpaint_core.prefill.engine_input`). The scores compare with the untouched
truth. ``hole_content="truth"`` gives the export the true frames (the old, optimistic input).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import metrics
from ..engines import create_engine
from ..export.pipeline import fill_full_res
from ..export.residuals import laplacian_energy
from ..export.synthetic import load_photo, pan_frames, watermark_mask
from ..jobs import CancelToken, Progress
from ..settings import working_size as default_work_size
from .occlude import DEFAULT_HOLE_CONTENT, check_hole_content, occlude

MODES = ("none", "temporal", "spatial", "both")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")


@dataclass
class FullResConfig:
    """``engine``: engine name; ``clips``: photos or videos; ``frames``: clip length; ``photo_size``:
    (W, H) of photo clips; ``work_size``: engine working size (default: the engine's, else the clip
    capped at 960 px); ``eval_frames``: how many frames are scored; ``hole_content``: what the export
    is given under the mask (:mod:`.occlude`)."""

    engine: str
    clips: list[str | Path]
    frames: int = 60
    photo_size: tuple[int, int] = (1920, 1080)
    work_size: tuple[int, int] | None = None
    eval_frames: int = 8
    seed: int = 0
    engine_options: dict[str, Any] = field(default_factory=dict)
    modes: tuple[str, ...] = MODES
    hole_content: str = DEFAULT_HOLE_CONTENT


def load_fullres_clip(path: Path, frames: int, photo_size: tuple[int, int], seed: int):
    """(kind, frames (N, H, W, 3) uint8, mask (H, W) uint8 0/255) for a photo or a video."""
    if path.suffix.lower() in PHOTO_SUFFIXES:
        arr = np.stack(list(pan_frames(load_photo(path), photo_size, frames, seed=seed)))
        return "photo", arr, watermark_mask(photo_size, seed)
    from .clips import load_clip

    clip = load_clip(path, frames=frames)
    H, W = clip.frames.shape[1:3]
    beside = path.parent / "watermark_mask.png"
    if beside.is_file():
        from ..masks import read_mask_image

        mask = read_mask_image(beside, size=(W, H))
    else:
        mask = watermark_mask((W, H), seed)
    return "video", clip.frames, mask


def eval_indices(n: int, k: int) -> list[int]:
    """``k`` frames spread over the middle half of a clip of ``n`` frames."""
    lo, hi = n // 4, max(n // 4 + 1, n - n // 4)
    return sorted({int(v) for v in np.linspace(lo, hi - 1, min(k, hi - lo))})


def score(outs: list[np.ndarray], truth: list[np.ndarray], mask: np.ndarray) -> dict[str, float]:
    err = float(np.mean([metrics.mse(o, t, mask) for o, t in zip(outs, truth)]))
    return {
        "psnr_hole": metrics.psnr_from_mse(err),
        "ssim_hole": float(np.mean([metrics.ssim(o, t, mask) for o, t in zip(outs, truth)])),
        "hf_hole": float(np.mean([laplacian_energy(o, mask) for o in outs])),
    }


def fullres_job(config: FullResConfig, cancel: CancelToken | None = None) -> Generator[Progress, None, dict]:
    """Run the benchmark; yields Progress, returns the JSON-ready result dict."""
    cancel = cancel or CancelToken()
    check_hole_content(config.hole_content)
    engine = create_engine(config.engine, **config.engine_options)
    rows: list[dict[str, Any]] = []
    clips = [Path(c) for c in config.clips]
    for ci, path in enumerate(clips):
        yield Progress(ci, len(clips), f"loading {path.name}")
        from .clips import clip_name

        kind, frames, mask = load_fullres_clip(path, config.frames, config.photo_size, config.seed)
        n, H, W = frames.shape[:3]
        work = tuple(engine.fixed_size or config.work_size or default_work_size((W, H), None))
        idx = eval_indices(n, config.eval_frames)
        truth = [frames[i] for i in idx]
        fills: dict = {}
        shots = None
        if kind == "video":
            from ..video.shots import detect_shots

            shots = detect_shots(list(frames))  # on the clip as filmed, before the logo is burned in
        seen = occlude(frames, [mask] * n, config.hole_content)  # what the export is given
        t0 = time.perf_counter()
        fill_full_res(seen, [mask] * n, engine, work, "none", cancel, fills=fills, targets=[], shots=shots)
        fill_s = time.perf_counter() - t0
        row: dict[str, Any] = {
            "clip": clip_name(path), "kind": kind, "size": [W, H], "work_size": list(work), "frames": n,
            "scored_frames": idx, "shots": shots or [(0, n)], "hole_area": float((mask > 0).mean()), "engine_fill_s": fill_s,
            "hole_content": config.hole_content,
            "hf_truth": float(np.mean([laplacian_energy(t, mask) for t in truth])), "modes": {},
        }
        for mode in config.modes:
            cancel.raise_if_cancelled()
            yield Progress(ci, len(clips), f"{path.stem}: {mode}")
            t0 = time.perf_counter()
            outs = fill_full_res(seen, [mask] * n, engine, work, mode, cancel, fills=fills, targets=idx,
                                 shots=shots)
            s = score(outs, truth, mask)
            s["restore_s_per_frame"] = (time.perf_counter() - t0) / len(idx)
            row["modes"][mode] = s
        rows.append(row)
        del frames, seen, fills
    yield Progress(len(clips), len(clips), "done")
    return {"engine": config.engine, "config": {"frames": config.frames, "photo_size": list(config.photo_size),
                                                "eval_frames": config.eval_frames, "seed": config.seed,
                                                "hole_content": config.hole_content},
            "clips": rows, "summary": summarize(rows)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Averages per clip kind and the checks of the export issue, computed from ``rows``."""
    out: dict[str, Any] = {}
    for kind in ("photo", "video"):
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        avg = {m: {k: float(np.mean([r["modes"][m][k] for r in rs])) for k in ("psnr_hole", "ssim_hole", "hf_hole")}
               for m in rs[0]["modes"]}
        d = {"mean": avg, "hf_truth": float(np.mean([r["hf_truth"] for r in rs]))}
        modes = rs[0]["modes"]
        if "both" in modes and "none" in modes:
            gains = [r["modes"]["both"]["psnr_hole"] - r["modes"]["none"]["psnr_hole"] for r in rs]
            d["both_minus_none_db"] = gains
            d["both_beats_none_everywhere"] = bool(min(gains) > 0)
            d["both_mean_gain_db"] = float(np.mean(gains))
            d["both_never_worse_than_0.1db"] = bool(min(gains) >= -0.1)
        if "temporal" in modes and "none" in modes:
            d["temporal_mean_gain_db"] = float(np.mean(
                [r["modes"]["temporal"]["psnr_hole"] - r["modes"]["none"]["psnr_hole"] for r in rs]))
        if "spatial" in modes and "none" in modes:
            d["spatial_psnr_change_db"] = [r["modes"]["spatial"]["psnr_hole"] - r["modes"]["none"]["psnr_hole"] for r in rs]
            d["spatial_hf_closer"] = [abs(r["modes"]["spatial"]["hf_hole"] - r["hf_truth"])
                                      < abs(r["modes"]["none"]["hf_hole"] - r["hf_truth"]) for r in rs]
        out[kind] = d
    return out


def format_table(result: dict) -> str:
    lines = [f"engine: {result['engine']}",
             f"{'clip':<22}{'mode':<10}{'PSNR hole':>10}{'SSIM hole':>10}{'HF hole':>9}{'HF truth':>9}{'s/frame':>9}"]
    for r in result["clips"]:
        for m, s in r["modes"].items():
            lines.append(f"{r['clip'][:21]:<22}{m:<10}{s['psnr_hole']:>10.2f}{s['ssim_hole']:>10.4f}"
                         f"{s['hf_hole']:>9.1f}{r['hf_truth']:>9.1f}{s['restore_s_per_frame']:>9.2f}")
    for kind, d in result["summary"].items():
        lines.append(f"{kind} clips: mean PSNR hole " + ", ".join(
            f"{m} {v['psnr_hole']:.2f}" for m, v in d["mean"].items()))
        if "both_mean_gain_db" in d:
            lines.append(f"  both - none: mean {d['both_mean_gain_db']:+.2f} dB, per clip "
                         + ", ".join(f"{g:+.2f}" for g in d["both_minus_none_db"]))
        if "temporal_mean_gain_db" in d:
            lines.append(f"  temporal - none: mean {d['temporal_mean_gain_db']:+.2f} dB")
        if "spatial_psnr_change_db" in d:
            lines.append("  spatial - none: " + ", ".join(f"{g:+.2f} dB" for g in d["spatial_psnr_change_db"])
                         + "; HF closer to truth: " + ", ".join(str(b) for b in d["spatial_hf_closer"]))
    return "\n".join(lines)


def markdown_table(result: dict) -> str:
    head = "| clip | size | mode | PSNR hole (dB) | SSIM hole | HF hole | HF truth | restore s/frame |\n"
    head += "|---|---|---|---:|---:|---:|---:|---:|\n"
    body = ""
    for r in result["clips"]:
        for m, s in r["modes"].items():
            body += (f"| {r['clip']} | {r['size'][0]}x{r['size'][1]} | {m} | {s['psnr_hole']:.2f} | "
                     f"{s['ssim_hole']:.4f} | {s['hf_hole']:.1f} | {r['hf_truth']:.1f} | "
                     f"{s['restore_s_per_frame']:.2f} |\n")
    return head + body
