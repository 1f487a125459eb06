"""Smart-render benchmark: a 1080p ProRes 422 HQ clip with a logo mask on 20 % of its frames,
exported to .mov (ProRes HQ, matched to the source) with and without smart render, side by side
in one run.

With smart render the frames whose mask is empty are the source's packets, copied; without it
every frame is restored and re-encoded. Printed: wall time of each export, the speed-up, the share
of frames copied, and that the copied frames are packet-identical to the source.

    python tests/benchmarks/bench_smart_render.py              # 40 frames, engine telea
    python tests/benchmarks/bench_smart_render.py --frames 100 --engine propagate

Writes ``tests/benchmarks/results/smart_render.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

W, H = 1920, 1080
LOGO = (1500, 80, 1840, 220)


def make_clip(path: Path, n: int) -> None:
    from tests import media_fixtures as mf

    mf.LOGO = LOGO  # the static block drawn into every frame sits where the mask is
    mf.make_clip(path, "prores_ks", "yuv422p10le", n=n, w=W, h=H, options={"profile": "3"},
                 audio=["pcm_s16le"], timecode="10:00:00:00")


def packets(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--engine", default="telea")
    ap.add_argument("--out", type=Path, default=ROOT / "tests/benchmarks/results/smart_render.json")
    args = ap.parse_args()

    from inpaint_core.export import export_video
    from inpaint_core.jobs import run_job

    n = args.frames
    masked = set(range(int(n * 0.4), int(n * 0.4) + max(1, round(n * 0.2))))
    mask = np.zeros((H, W), np.uint8)
    x0, y0, x1, y1 = LOGO
    mask[y0:y1, x0:x1] = 255
    empty = np.zeros_like(mask)
    rows = {}
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "src.mov"
        t = time.perf_counter()
        make_clip(src, n)
        print(f"made {n} frames of 1080p ProRes 422 HQ in {time.perf_counter() - t:.1f} s; "
              f"mask on {len(masked)} frames ({100 * len(masked) / n:.0f} %)")
        src_pk = packets(src)
        for smart in (True, False):
            out = Path(d) / f"out_{smart}.mov"
            t = time.perf_counter()
            res = run_job(export_video(src, lambda i: mask if i in masked else empty, out, engine=args.engine,
                                       smart_render=smart), lambda p: None)
            wall = time.perf_counter() - t
            out_pk = packets(out)
            same = sum(a == b for a, b in zip(src_pk, out_pk))
            rows["smart" if smart else "full"] = {
                "seconds": wall, "copied": res.copied, "encoded": res.encoded, "encoding": res.encoding,
                "packet_identical": same, "stage_seconds": res.seconds,
            }
    s, f = rows["smart"], rows["full"]
    result = {
        "frames": n, "size": [W, H], "masked_frames": len(masked), "engine": args.engine,
        "smart_render": s, "full_render": f, "speedup": f["seconds"] / s["seconds"],
        "share_copied": s["copied"] / n, "machine": platform.platform(),
    }
    print(f"{'':<16}{'seconds':>9}{'copied':>8}{'encoded':>9}{'identical pkts':>16}")
    for k, r in (("smart render", s), ("re-encode all", f)):
        print(f"{k:<16}{r['seconds']:>9.2f}{r['copied']:>8}{r['encoded']:>9}{r['packet_identical']:>16}")
    print(f"speed-up {result['speedup']:.2f}x, frames copied {100 * result['share_copied']:.0f} %")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
