"""Benchmark output: the printed table (plain text or Markdown) and the JSON file.

JSON cannot hold NaN or infinity: such values (a metric with nothing to score, a PSNR of an exact
reproduction) are written as ``null``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import OutputError

#: (key, header, format) of the table's columns after clip and engine
COLUMNS = (
    ("psnr", "PSNR", "{:.2f}"),
    ("psnr_hole", "PSNR hole", "{:.2f}"),
    ("ssim", "SSIM", "{:.4f}"),
    ("ssim_hole", "SSIM hole", "{:.4f}"),
    ("warp_error", "Ewarp x1e3", "{:.3f}"),
    ("warp_error_hole", "Ewarp hole x1e3", "{:.2f}"),
    ("flicker", "flicker", "{:.2f}"),
    ("psnr_revealed", "PSNR rev", "{:.2f}"),
    ("psnr_unrevealed", "PSNR unrev", "{:.2f}"),
    ("ssim_unrevealed", "SSIM unrev", "{:.4f}"),
    ("texture_unrevealed", "tex unrev", "{:.2f}"),
    ("fps", "fps", "{:.1f}"),
    ("peak_rss_mb", "peak MB", "{:.0f}"),
)


def output_paths(out: str | Path) -> dict[str, Path]:
    """Where the outputs of a bench written to ``out`` go: ``json`` (``out`` itself), ``chart``
    (``<stem>_chart.png``) and ``contact`` (``<stem>_contact.png``), all in ``out``'s folder."""
    p = Path(out)
    return {"json": p, "chart": p.with_name(p.stem + "_chart.png"),
            "contact": p.with_name(p.stem + "_contact.png")}


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):  # numpy scalars
        return _clean(v.item())
    return v


def atomic_write_bytes(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a temporary file beside ``path`` and rename it into place."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"Folder {folder} does not exist; create it or choose another --out.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"Cannot write in {folder}: {exc.strerror}. Choose a writable --out.") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it normal permissions
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"Cannot write {path}: {exc.strerror}.") from None


def write_json(data: dict[str, Any], path: str | Path) -> None:
    """Write the results as indented JSON (non-finite numbers as null), atomically."""
    text = json.dumps(_clean(data), indent=2, allow_nan=False) + "\n"
    atomic_write_bytes(Path(path), text.encode("utf-8"))


def _fmt(v: Any, fmt: str, key: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    if key.startswith("warp_error"):
        v = v * 1e3
    return fmt.format(v)


def table_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (strings): one row per clip and engine, a ground-truth row per clip giving
    the warping error of the true video, then one mean row per engine. A failed run is a short row
    (clip, engine, reason); unavailable engines are left out here (see :func:`unavailable_lines`)."""
    header = ["clip", "engine"] + [h for _, h, _ in COLUMNS]
    rows: list[list[str]] = []
    blank = ["-"] * len(COLUMNS)
    for c in data["clips"]:
        gt_row = list(blank)
        for j, (k, _, f) in enumerate(COLUMNS):
            if k.startswith("warp_error"):
                gt_row[j] = _fmt(c.get("ground_truth", {}).get(k), f, k)
        rows.append([c["name"], "(ground truth)"] + gt_row)
        for e in c["engines"]:
            if e["status"] == "unavailable":
                continue
            if e["status"] != "ok":
                rows.append([c["name"], e["engine"], f"{e['status']}: {e['reason']}"])
                continue
            rows.append([c["name"], e["engine"]] + [_fmt(e.get(k), f, k) for k, _, f in COLUMNS])
    if len(data["clips"]) > 1:
        for s in data.get("summary", []):
            if s.get("status") != "ok":
                continue
            rows.append(["(mean)", s["engine"]] + [_fmt(s.get(k), f, k) for k, _, f in COLUMNS])
    return header, rows


def unavailable_lines(data: dict[str, Any]) -> list[str]:
    """One line per engine that could not run on some clip: ``"<engine>: <reason>"`` (first reason)."""
    seen: dict[str, str] = {}
    for c in data["clips"]:
        for e in c["engines"]:
            if e["status"] == "unavailable" and e["engine"] not in seen:
                seen[e["engine"]] = e["reason"]
    return [f"{name}: {reason}" for name, reason in seen.items()]


def format_table(data: dict[str, Any]) -> str:
    """A fixed-width text table of the results (see :func:`table_rows`), then the engines that
    could not run, each with its reason."""
    header, rows = table_rows(data)
    full = [r for r in rows if len(r) == len(header)]
    widths = [max(len(str(x[i])) for x in [header] + full) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        if len(r) != len(header):  # an unavailable or failed engine: clip, engine, reason
            lines.append(f"{r[0].ljust(widths[0])}  {r[1].ljust(widths[1])}  {r[2]}")
            continue
        lines.append("  ".join(x.ljust(w) if i < 2 else x.rjust(w) for i, (x, w) in enumerate(zip(r, widths))))
    lines += [f"not run: {u}" for u in unavailable_lines(data)]
    return "\n".join(lines)


def markdown_table(data: dict[str, Any]) -> str:
    """The results as a Markdown table; engines that could not run follow as a list with reasons."""
    header, rows = table_rows(data)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for r in rows:
        if len(r) != len(header):
            r = [r[0], r[1], r[2]] + [""] * (len(header) - 3)
        out.append("| " + " | ".join(x.replace("|", "/") for x in r) + " |")
    un = unavailable_lines(data)
    if un:
        out += ["", "Not run:", ""] + [f"- {u}" for u in un]
    return "\n".join(out)
