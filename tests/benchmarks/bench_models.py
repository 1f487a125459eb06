"""Benchmark of the model manager against a local HTTP server (not collected by pytest; no real
network): download throughput (transfer + sha256 verification), the bytes a resumed download
transfers compared with the file size, and import throughput (copy + verification).

    PYTHONPATH=. python tests/benchmarks/bench_models.py [--mib 128]

Prints a table and writes tests/benchmarks/results/models.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import models  # noqa: E402
from inpaint_core.errors import ModelError  # noqa: E402
from inpaint_core.models import ModelSpec  # noqa: E402
from tests.model_server import Behaviour, LocalServer  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=128)
    args = ap.parse_args()
    data = np.random.default_rng(1).integers(0, 256, args.mib << 20, np.uint8).tobytes()
    digest = hashlib.sha256(data).hexdigest()
    models.MODELS["benchnet"] = ModelSpec(
        name="benchnet", engine="bench", title="bench", file_name="benchnet.bin",
        urls=("http://127.0.0.1:9/",), licence="-", manual="-", sha256=digest)
    res: dict[str, object] = {"file_mib": args.mib}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VANISH_MODELS_DIR"] = str(Path(tmp) / "store")
        b = Behaviour(files={"/f.bin": data})
        with LocalServer(b) as srv:
            t = time.perf_counter()
            models.download("benchnet", url=srv.url("/f.bin"))
            res["download_and_verify_mib_s"] = round(args.mib / (time.perf_counter() - t), 1)

            models.remove("benchnet")
            half = len(data) // 2
            b.cut_after["/f.bin"] = half
            sent_before = 0
            try:
                models.download("benchnet", url=srv.url("/f.bin"), retries=0)
            except ModelError:
                sent_before = half
            t = time.perf_counter()
            models.download("benchnet", url=srv.url("/f.bin"))
            resumed = time.perf_counter() - t
            res["resume_bytes_first_try"] = sent_before
            res["resume_range_asked"] = b.log[-1][1]
            res["resume_bytes_total_over_file"] = round((sent_before + len(data) - half) / len(data), 3)
            res["resume_second_half_s"] = round(resumed, 2)

        src = Path(tmp) / "f.bin"
        src.write_bytes(data)
        models.remove("benchnet")
        t = time.perf_counter()
        models.import_model("benchnet", src)
        res["import_copy_and_verify_mib_s"] = round(args.mib / (time.perf_counter() - t), 1)
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")
    out = ROOT / "tests" / "benchmarks" / "results" / "models.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
