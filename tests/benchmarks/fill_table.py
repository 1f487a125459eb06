"""Print the fill benchmark's tables from its JSON results (one or more bench_fill.py outputs).

    python tests/benchmarks/fill_table.py tests/benchmarks/results/fill.json [more.json ...] [--p ENGINE]

Per clip and mask family: in-hole PSNR of propagate and Telea and their difference; on the
revealed pixels the same; on the never-revealed pixels SSIM and the texture ratio of both.
``--p ENGINE``: the engine spec shown as P (default ``propagate``), e.g. ``propagate:spatial_blend=0.5``.
"""

from __future__ import annotations

import json
import sys


def main(paths: list[str], p_engine: str = "propagate") -> None:
    rows = []
    for p in paths:
        rows += json.load(open(p))["rows"]
    by = {}
    for r in rows:
        by.setdefault((r["clip"], r["family"]), {})[r["engine"]] = r
    print(f"{'clip':15s} {'family':10s} {'hole P/T':>14s} {'d':>6s} {'revealed P/T':>14s} {'d':>6s} "
          f"{'SSIM unrev P/T':>14s} {'tex unrev P/T':>12s} {'rev%':>5s}")

    def f(x, fmt="{:.2f}"):
        return "-" if x is None else fmt.format(x)

    for (clip, fam), e in by.items():
        p, t = e.get(p_engine), e.get("telea")
        if not p or not t:
            continue
        dh = p["psnr_hole"] - t["psnr_hole"]
        dr = (p["psnr_revealed"] - t["psnr_revealed"]) if p.get("psnr_revealed") and t.get("psnr_revealed") else None
        print(f"{clip:15s} {fam:10s} {f(p['psnr_hole']):>6s}/{f(t['psnr_hole']):<7s} {dh:+6.2f} "
              f"{f(p.get('psnr_revealed')):>6s}/{f(t.get('psnr_revealed')):<7s} {f(dr, '{:+.2f}'):>6s} "
              f"{f(p.get('ssim_unrevealed'), '{:.3f}'):>6s}/{f(t.get('ssim_unrevealed'), '{:.3f}'):<7s} "
              f"{f(p.get('texture_unrevealed')):>5s}/{f(t.get('texture_unrevealed')):<6s} "
              f"{100 * (p.get('revealed_share') or 0):5.0f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    eng = "propagate"
    if "--p" in args:
        k = args.index("--p")
        eng = args[k + 1]
        del args[k:k + 2]
    main(args, eng)
