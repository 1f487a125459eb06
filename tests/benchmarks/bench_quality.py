"""Quality and speed of the fill engines on the shared clips (not collected by pytest).

Runs ``vanish bench``'s harness on schoolgirls, dogs_jump, running_car and the two vfr_samples
clips (first 60 frames, resized to 432x240, stationary STTN-style holes of 5-15 % of the frame),
prints the table and writes:

- ``tests/benchmarks/results/bench.json``: the full results,
- ``docs/bench_chart.png`` and ``docs/bench_contact.png``: the chart and the contact sheet,
- ``docs/bench.md``: the table in Markdown with the machine it ran on.

Usage: ``PYTHONPATH=. python tests/benchmarks/bench_quality.py [--engine E ...] [--frames N]
[--machine "description"]`` with ``VANISH_SHARED`` pointing at the shared folder (default
``../shared``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.bench.figures import chart_png, write_figures  # noqa: E402
from inpaint_core.bench.report import atomic_write_bytes, format_table, markdown_table, write_json  # noqa: E402
from inpaint_core.bench.runner import BenchConfig, run_bench  # noqa: E402
from inpaint_core.cli.progress import ProgressPrinter  # noqa: E402
from inpaint_core.engines import known_engines  # noqa: E402

CLIPS = ("schoolgirls/video.mp4", "dogs_jump/video.mp4", "running_car/video.mp4", "vfr_samples")


def _markdown(data: dict, machine: str, command: str) -> str:
    cfg = data["config"]
    m = data["machine"]
    lines = [
        "# Benchmark: fill quality and speed",
        "",
        f"Produced by `{command}` ({data['machine'].get('date', 'date not recorded')}).",
        "",
        f"Machine: {machine}. Platform: {m['platform']}, {m['cpu_count']} CPUs seen, Python {m['python']}, "
        f"OpenCV {m['opencv']}. Timings on a shared, noisy machine are indicative only; compare engines "
        "within this one run.",
        "",
        f"Setup: the first {cfg['frames']} frames of each clip, resized to {cfg['size'][0]}x{cfg['size'][1]} "
        f"(the resized clip is the ground truth); {cfg['mask_type']} synthetic holes (seed {cfg['seed']}, "
        f"area {cfg['area'][0]:.0%}-{cfg['area'][1]:.0%} of the frame); every engine fills the same holes.",
        "",
        markdown_table(data),
        "",
        "Columns: PSNR and SSIM over the whole frame (mean over frames) and inside the hole; Ewarp is the "
        "flow warping error x1e3 as Lai et al. define it (frame t+1 of the result warped to frame t along "
        "the ground-truth video's flow; pixels where that flow fails the cycle-consistency test are "
        "excluded; the ground-truth row is the true video's own value); flicker is the mean absolute "
        "temporal-difference error inside the hole in 8-bit levels; fps counts the engine's run only; "
        "peak MB is the growth of resident memory during the engine's run.",
        "",
        "Reading the numbers: the warping error measures whether the fill moves with the scene. The JSON "
        "also holds `warp_error_self`, the same error with the flow estimated on the result: there a "
        "smooth, blurry fill can score *below* the ground truth itself, because the flow through a smear "
        "fails the cycle test and its pixels drop out of the average. With stationary holes on a nearly "
        "static camera (schoolgirls, dogs_jump) the background behind the hole is never revealed, so no "
        "engine can recover it from other frames and temporal engines fall back to spatial filling there.",
        "",
        "Notes:",
        "",
    ]
    lines += [f"- {n}" for n in data["notes"]]
    lines += [
        "",
        "![quality against speed](bench_chart.png)",
        "",
        "Contact sheet (input with the hole in red, each engine, ground truth): "
        "[bench_contact.png](bench_contact.png)",
        "",
        "Reproduce: `VANISH_SHARED=../shared PYTHONPATH=. python tests/benchmarks/bench_quality.py`, or for "
        "any clip `vanish bench --engine propagate --engine telea --clips CLIP --mask-type stationary "
        "--frames 60 --size 432x240 --out results.json`.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", action="append", help="engines (default: every engine in this build)")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--mask-type", default="stationary")
    ap.add_argument("--machine", default=f"2-core CPU, no GPU, load average {os.getloadavg()[0]:.1f} at the start")
    ap.add_argument("--out", default=str(ROOT / "tests" / "benchmarks" / "results" / "bench.json"))
    ap.add_argument("--docs", default=str(ROOT / "docs"))
    ap.add_argument("--from-json", action="store_true",
                    help="do not run: rewrite docs/bench.md and the chart from the JSON at --out")
    args = ap.parse_args()
    if args.from_json:
        data = json.loads(Path(args.out).read_text())
        docs = Path(args.docs)
        atomic_write_bytes(docs / "bench_chart.png", chart_png(data))
        cmd = "python tests/benchmarks/bench_quality.py" + "".join(f" --engine {e}" for e in data["config"]["engines"])
        atomic_write_bytes(docs / "bench.md", _markdown(data, data["machine"].get("note", args.machine), cmd)
                           .encode("utf-8"))
        print(format_table(data))
        return 0
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    clips = [shared / "data" / "clips" / c for c in CLIPS]
    missing = [str(c) for c in clips if not c.exists()]
    if missing:
        print(f"shared clips not found: {', '.join(missing)} (set VANISH_SHARED)", file=sys.stderr)
        return 2
    engines = args.engine or known_engines()
    cfg = BenchConfig(engines=engines, clips=clips, mask_type=args.mask_type, frames=args.frames,
                      size=(432, 240), seed=0, area=(0.05, 0.15), samples=1, note=args.machine)
    with ProgressPrinter(enabled=True) as bar:
        result = run_bench(cfg, bar)
    print(format_table(result.data))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    docs = Path(args.docs)
    docs.mkdir(parents=True, exist_ok=True)
    write_json(result.data, out)
    write_figures(result.data, result.samples, docs / "bench_chart.png", docs / "bench_contact.png")
    cmd = "python tests/benchmarks/bench_quality.py" + "".join(f" --engine {e}" for e in engines)
    atomic_write_bytes(docs / "bench.md", _markdown(result.data, args.machine, cmd).encode("utf-8"))
    print(f"wrote {out}, {docs / 'bench.md'}, {docs / 'bench_chart.png'}, {docs / 'bench_contact.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
