"""Print the fill benchmark's tables from its JSON results (one or more bench_fill.py outputs).

    python tests/benchmarks/fill_table.py tests/benchmarks/results/fill.json [more.json ...] [--p ENGINE]
        [--old ENGINE]

Per clip and mask family: in-hole PSNR of propagate and Telea and their difference; on the
revealed pixels the same; on the never-revealed pixels SSIM and the texture ratio of both.
``--p ENGINE``: the engine spec shown as P (default ``propagate``), e.g. ``propagate:spatial_blend=0.5``.
``--old ENGINE``: also print that engine's in-hole and revealed PSNR and P's drop from it, e.g.
``propagate@truth`` (the same engine given the true hole pixels: the old, optimistic benchmark).
A last line gives the means over the pairs shown.
"""

from __future__ import annotations

import json
import sys


def main(paths: list[str], p_engine: str = "propagate", old: str | None = None) -> None:
    rows = []
    for p in paths:
        rows += json.load(open(p))["rows"]
    by = {}
    for r in rows:
        by.setdefault((r["clip"], r["family"]), {})[r["engine"]] = r
    head = (f"{'clip':15s} {'family':10s} {'hole P/T':>14s} {'d':>6s} {'revealed P/T':>14s} {'d':>6s} "
            f"{'SSIM unrev P/T':>14s} {'tex unrev P/T':>12s} {'rev%':>5s}")
    if old:
        head += f" {'hole old':>8s} {'drop':>6s} {'rev old':>7s} {'drop':>6s}"
    print(head)

    def f(x, fmt="{:.2f}"):
        return "-" if x is None else fmt.format(x)

    sums: dict[str, list[float]] = {}
    for (clip, fam), e in by.items():
        p, t = e.get(p_engine), e.get("telea")
        if not p or not t:
            continue
        dh = p["psnr_hole"] - t["psnr_hole"]
        dr = (p["psnr_revealed"] - t["psnr_revealed"]) if p.get("psnr_revealed") and t.get("psnr_revealed") else None
        line = (f"{clip:15s} {fam:10s} {f(p['psnr_hole']):>6s}/{f(t['psnr_hole']):<7s} {dh:+6.2f} "
                f"{f(p.get('psnr_revealed')):>6s}/{f(t.get('psnr_revealed')):<7s} {f(dr, '{:+.2f}'):>6s} "
                f"{f(p.get('ssim_unrevealed'), '{:.3f}'):>6s}/{f(t.get('ssim_unrevealed'), '{:.3f}'):<7s} "
                f"{f(p.get('texture_unrevealed')):>5s}/{f(t.get('texture_unrevealed')):<6s} "
                f"{100 * (p.get('revealed_share') or 0):5.0f}")
        sums.setdefault("dh", []).append(dh)
        if dr is not None:
            sums.setdefault("dr", []).append(dr)
        o = e.get(old) if old else None
        if o:
            oh, orv = o["psnr_hole"], o.get("psnr_revealed")
            line += f" {oh:8.2f} {p['psnr_hole'] - oh:+6.2f} {f(orv):>7s} "
            line += f"{(p['psnr_revealed'] - orv) if orv and p.get('psnr_revealed') else float('nan'):+6.2f}"
            sums.setdefault("oh", []).append(p["psnr_hole"] - oh)
            if orv and p.get("psnr_revealed"):
                sums.setdefault("orv", []).append(p["psnr_revealed"] - orv)
        print(line)
    if sums.get("dh"):
        mean = {k: sum(v) / len(v) for k, v in sums.items()}
        line = f"{'mean':26s} {'':14s} {mean['dh']:+6.2f} {'':14s} {mean.get('dr', float('nan')):+6.2f}"
        if "oh" in mean:
            line += f" {'':48s} {mean['oh']:+6.2f} {'':7s} {mean.get('orv', float('nan')):+6.2f}"
        print(line)


if __name__ == "__main__":
    args = sys.argv[1:]
    eng, old_eng = "propagate", None
    if "--p" in args:
        k = args.index("--p")
        eng = args[k + 1]
        del args[k:k + 2]
    if "--old" in args:
        k = args.index("--old")
        old_eng = args[k + 1]
        del args[k:k + 2]
    main(args, eng, old_eng)
