"""Benchmark pictures: a chart of quality against speed (matplotlib, Agg canvas, no pyplot state)
and a contact sheet of sample frames (input with the hole, each engine's result, ground truth)."""

from __future__ import annotations

import io
import math
import textwrap
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .report import atomic_write_bytes
from .runner import ClipSamples

_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def _first_sentence(text: str) -> str:
    head = text.split(". ")[0].strip()
    return head.rstrip(".")


def _plain_log_ticks(ax) -> None:
    """Label a log x axis with plain numbers (12, 20, 50), minor ticks only where few decades show."""
    from matplotlib.ticker import FuncFormatter

    lo, hi = ax.get_xlim()
    decades = math.log10(max(hi, 1e-9) / max(lo, 1e-9))

    def fmt(v: float, _pos: int) -> str:
        if v <= 0:
            return ""
        mant = v / 10 ** math.floor(math.log10(v) + 1e-9)
        major = abs(mant - 1) < 1e-6
        if major or decades < 1.2 or (decades < 2.5 and round(mant) in (2, 5)):
            return f"{v:g}"
        return ""

    ax.xaxis.set_major_formatter(FuncFormatter(fmt))
    ax.xaxis.set_minor_formatter(FuncFormatter(fmt))


def chart_png(data: dict[str, Any]) -> bytes:
    """PNG bytes of two panels against frames per second (log axis): in-hole PSNR (higher is
    better) and in-hole flow warping error (lower is better); small dots per clip, large marks per engine
    mean."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), dpi=110)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    names = [s["engine"] for s in data.get("summary", [])]
    panels = (("psnr_hole", "in-hole PSNR (dB), higher is better", 1.0),
              ("warp_error_hole", "in-hole warping error (x1e-3), lower is better", 1e3))
    any_point = False
    for ax, (key, title, scale) in zip(axes, panels):
        for k, name in enumerate(names):
            col = _COLOURS[k % len(_COLOURS)]
            pts = [(e["fps"], e[key] * scale) for c in data["clips"] for e in c["engines"]
                   if e["engine"] == name and e["status"] == "ok" and _finite(e.get("fps")) and _finite(e.get(key))]
            if pts:
                any_point = True
                xs, ys = zip(*pts)
                ax.scatter(xs, ys, s=22, color=col, alpha=0.45, edgecolors="none")
            s = next(x for x in data["summary"] if x["engine"] == name)
            if s.get("status") == "ok" and _finite(s.get("fps")) and _finite(s.get(key)):
                ax.scatter([s["fps"]], [s[key] * scale], s=110, color=col, marker="D", edgecolors="black",
                           linewidths=0.8, label=name, zorder=3)
                ax.annotate(name, (s["fps"], s[key] * scale), textcoords="offset points", xytext=(7, 5),
                            fontsize=9)
        if key.startswith("warp_error"):
            gts = [c["ground_truth"][key] * scale for c in data["clips"]
                   if _finite(c.get("ground_truth", {}).get(key))]
            if gts:
                ax.axhline(float(np.mean(gts)), color="grey", linestyle="--", linewidth=1)
                ax.annotate("ground truth (mean)", (0.02, float(np.mean(gts))), xycoords=("axes fraction", "data"),
                            textcoords="offset points", xytext=(0, 4), fontsize=8, color="grey")
        ax.set_xscale("log")
        _plain_log_ticks(ax)
        ax.set_xlabel("frames per second (log scale)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    if not any_point:
        for ax in axes:
            ax.text(0.5, 0.5, "no engine finished", ha="center", va="center", transform=ax.transAxes)
    cfg = data.get("config", {})
    size = cfg.get("size") or ["?", "?"]
    fig.suptitle(f"vanish bench: {len(data['clips'])} clip(s), {cfg.get('mask_type', '?')} masks, "
                 f"{size[0]}x{size[1]}, {cfg.get('frames', '?')} frames  (dots: single clips, "
                 "diamonds: engine means)", fontsize=11)
    unavailable = sorted({f"{s['engine']} ({_first_sentence(s.get('reason', ''))})"
                          for s in data.get("summary", []) if s.get("status") != "ok"})
    foot = textwrap.wrap("not run: " + "; ".join(unavailable), 170) if unavailable else []
    if foot:
        fig.text(0.01, 0.01, "\n".join(foot[:3]), fontsize=7, color="dimgray", va="bottom")
    fig.tight_layout(rect=(0, 0.03 + 0.03 * min(3, len(foot)), 1, 0.95))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _caption(cell: np.ndarray, text: str, bar: int = 18) -> np.ndarray:
    w = cell.shape[1]
    top = np.full((bar, w, 3), 32, np.uint8)
    scale = 0.42
    while scale > 0.25 and cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0] > w - 6:
        scale -= 0.03
    cv2.putText(top, text, (3, bar - 5), cv2.FONT_HERSHEY_SIMPLEX, scale, (235, 235, 235), 1, cv2.LINE_AA)
    return np.concatenate([top, cell], axis=0)


def _with_hole(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The input as the engine sees it: the hole tinted red, outlined."""
    out = frame.copy()
    hole = mask > 0
    out[hole] = (0.35 * out[hole] + 0.65 * np.array([230, 40, 40])).astype(np.uint8)
    contours, _ = cv2.findContours(hole.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    cv2.drawContours(out, contours, -1, (255, 255, 0), 1)
    return out


def contact_sheet(samples: list[ClipSamples], engines: list[str], cell_width: int = 288) -> np.ndarray:
    """(H, W, 3) uint8 RGB: one row per sample frame of each clip; columns: input with the hole,
    each engine's result (a grey cell where it did not run), the ground truth."""
    rows = []
    for cs in samples:
        for k, idx in enumerate(cs.indices):
            truth = cs.truth[k]
            h, w = truth.shape[:2]
            cw = min(cell_width, w)
            ch = max(1, round(h * cw / w))

            def fit(img: np.ndarray, cw: int = cw, ch: int = ch) -> np.ndarray:
                return cv2.resize(img, (cw, ch), interpolation=cv2.INTER_AREA)

            cells = [_caption(fit(_with_hole(truth, cs.masks[k])), f"{cs.name} #{idx} input")]
            for name in engines:
                res = cs.results.get(name)
                if res is None:
                    grey = np.full((ch, cw, 3), 90, np.uint8)
                    cv2.putText(grey, "not run", (6, ch // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (220, 220, 220), 1,
                                cv2.LINE_AA)
                    cells.append(_caption(grey, name))
                else:
                    cells.append(_caption(fit(res[k]), name))
            cells.append(_caption(fit(truth), "ground truth"))
            sep = np.full((cells[0].shape[0], 3, 3), 255, np.uint8)
            row = [cells[0]]
            for c in cells[1:]:
                row += [sep, c]
            rows.append(np.concatenate(row, axis=1))
    if not rows:
        return np.full((40, 200, 3), 255, np.uint8)
    width = max(r.shape[1] for r in rows)
    padded = []
    for r in rows:
        if r.shape[1] < width:
            r = np.concatenate([r, np.full((r.shape[0], width - r.shape[1], 3), 255, np.uint8)], axis=1)
        padded += [r, np.full((3, width, 3), 255, np.uint8)]
    return np.concatenate(padded[:-1], axis=0)


def write_png(img: np.ndarray, path: str | Path) -> None:
    """Encode (H, W, 3) uint8 RGB as PNG and write it atomically."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    atomic_write_bytes(Path(path), buf.tobytes())


def write_figures(data: dict[str, Any], samples: list[ClipSamples], chart: str | Path, contact: str | Path) -> None:
    """Write the chart and the contact sheet PNG files."""
    atomic_write_bytes(Path(chart), chart_png(data))
    # engines that ran nowhere get no column (the table and the chart say why)
    engines = [e for e in data.get("config", {}).get("engines", []) if any(e in cs.results for cs in samples)]
    write_png(contact_sheet(samples, engines), contact)
