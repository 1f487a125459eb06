"""Video I/O benchmark: random-seek latency, sequential decode speed, memory of a long pass.

Run:  PYTHONPATH=. python tests/benchmarks/bench_video.py [--frames 600] [--long-frames 1500]
      [--samples 16] [--workdir DIR]

- For every clip in ../shared/data/clips: median random-seek latency of ``VideoReader.frame(i)``
  (cache disabled) and sequential decode fps (``iter_frames``).
- A synthetic 1080p H.264 clip (a virtual camera panning over a shared photograph, or the synthetic
  test pattern without ../shared), keyframe interval 250, x264 with B-frames: the same numbers, plus
  random access measured side by side against decoding from the start to the requested frame
  (fresh decoder each time, only the requested frame converted to RGB). Frames from both paths are
  compared bit for bit.
  The clip is made twice, with 600 and 1500 frames: with keyframes every 250 frames the gain of
  seeking grows with the clip's length (decoding from the start costs about i frames, seeking
  about i - keyframe(i) frames, less the non-reference pictures the reader skips).
- Peak RSS of a sequential pass over the 600-frame 1080p clip, in a fresh process, with the
  default cache bound and a small one, and of 200 random accesses (all decode heads in use); the
  cache's own size is checked against its bound on every frame.

Writes tests/benchmarks/results/video.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.video import VideoReader, probe  # noqa: E402
from inpaint_core.video.colors import frame_to_rgb  # noqa: E402
from inpaint_core.video.reader import DEFAULT_CACHE_BYTES  # noqa: E402
from tests.shared import CLIPS, shared_root  # noqa: E402
from tests.synth import synth_frame  # noqa: E402

RESULTS = ROOT / "tests" / "benchmarks" / "results" / "video.json"


def seek_latencies(path, idx) -> list[float]:
    out = []
    with VideoReader(path, cache_bytes=0) as r:
        for i in idx:
            t = time.perf_counter()
            r.frame(i)
            out.append(time.perf_counter() - t)
    return out


def sequential_fps(path) -> float:
    with VideoReader(path, cache_bytes=0) as r:
        t = time.perf_counter()
        n = sum(1 for _ in r.iter_frames())
        return n / (time.perf_counter() - t)


def decode_from_start(path, i: int) -> np.ndarray:
    """The naive way: open, decode in order until frame i, convert that one frame."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for k, frame in enumerate(c.decode(s)):
            if k == i:
                return frame_to_rgb(frame)
    raise IndexError(i)


def make_1080p(path: Path, n: int, gop: int = 250) -> str:
    """Pan a virtual 1920x1080 camera over a shared photo; H.264 CRF 20, keyint ``gop``."""
    photos = sorted((shared_root() / "data" / "photos").glob("*.jpg"))
    src = None
    if photos:
        img = cv2.imread(str(photos[0]))
        if img is not None:
            src = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    w, h = 1920, 1080
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=25, options={
        "crf": "20", "preset": "veryfast",
        "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=3"})
    vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
    for k in range(n):
        if src is not None:
            t = k / max(1, n - 1)
            zoom = max(w / src.shape[1], h / src.shape[0]) * (1.05 + 0.1 * np.sin(2 * np.pi * t))
            cx = src.shape[1] / 2 + 0.2 * src.shape[1] * np.sin(2 * np.pi * t * 1.5)
            cy = src.shape[0] / 2 + 0.15 * src.shape[0] * np.cos(2 * np.pi * t)
            m = np.array([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]], np.float32)
            rgb = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        else:
            rgb = synth_frame(k, w, h)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        frame.pts = k
        frame.time_base = Fraction(1, 25)
        for p in vs.encode(frame):
            out.mux(p)
    for p in vs.encode():
        out.mux(p)
    out.close()
    return photos[0].name if src is not None else "synthetic pattern"


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_pass(path: str, cache_bytes: int, mode: str = "sequential") -> dict:
    """(Child process) a sequential pass, or 200 random accesses (which use all decode heads);
    peak RSS during the pass and the cache's largest size."""
    largest = 0
    n = 0
    with VideoReader(path, cache_bytes=cache_bytes) as r:
        opened = _status_mb("VmRSS")
        try:  # reset the peak so that it measures the pass only (Linux)
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            pass
        if mode == "random":
            pick = random.Random(1)
            order = [pick.randrange(len(r)) for _ in range(200)]
            frames = ((i, r.frame(i)) for i in order)
        else:
            frames = r.iter_frames()
        for _i, _f in frames:
            largest = max(largest, r.cache.nbytes)
            n += 1
        peak = _status_mb("VmHWM")
        heads = len(r._heads)
    return {"mode": mode, "decode_heads": heads, "frames": n, "cache_bytes": cache_bytes,
            "cache_peak_bytes": largest,
            "cache_bound_held": largest <= cache_bytes, "rss_after_open_mb": opened,
            "rss_peak_mb": peak, "rss_growth_mb": peak - opened}


def measure_rss(path: Path, cache_bytes: int, mode: str = "sequential") -> dict:
    res = subprocess.run([sys.executable, __file__, "--rss-pass", str(path), str(cache_bytes), mode],
                         capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure_synthetic(path: Path, content: str, gen_s: float | None, args, rng) -> dict:
    """Seek latency, sequential fps and random access vs decoding from the start, side by side."""
    info = probe(path)
    n = info.frame_count
    idx = [rng.randrange(n) for _ in range(args.samples)]
    seek_t, start_t, identical = [], [], True
    with VideoReader(path, cache_bytes=0) as r:
        for i in idx:  # the same frame both ways, alternating
            t = time.perf_counter()
            a = r.frame(i)
            seek_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            b = decode_from_start(path, i)
            start_t.append(time.perf_counter() - t)
            identical &= bool(np.array_equal(a, b))
    more = seek_latencies(path, [rng.randrange(n) for _ in range(args.seeks)])
    fps = sequential_fps(path)
    ratio = statistics.mean(start_t) / statistics.mean(seek_t)
    res = {"content": content, "frames": n, "width": info.width, "height": info.height,
           "keyframes": info.keyframe_count, "keyframe_interval": 250, "generate_s": gen_s,
           "sequential_fps": fps, "seek_median_ms": 1000 * statistics.median(seek_t + more),
           "side_by_side": {"indices": idx, "random_access_mean_ms": 1000 * statistics.mean(seek_t),
                            "decode_from_start_mean_ms": 1000 * statistics.mean(start_t),
                            "speedup": ratio, "target": 5.0, "met": ratio >= 5.0,
                            "bit_identical": identical}}
    print(f"\nsynthetic 1080p H.264 ({n} frames, keyframe every 250, {content}): "
          f"seq {fps:.1f} fps, seek median {res['seek_median_ms']:.0f} ms")
    print(f"random access {res['side_by_side']['random_access_mean_ms']:.0f} ms vs decode from start "
          f"{res['side_by_side']['decode_from_start_mean_ms']:.0f} ms on average: {ratio:.1f}x "
          f"(target 5x; frames identical: {identical})")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=600, help="frames of the 1080p clip (memory pass)")
    ap.add_argument("--long-frames", type=int, default=1500, help="frames of the long 1080p clip")
    ap.add_argument("--samples", type=int, default=16, help="side-by-side random accesses per clip")
    ap.add_argument("--workdir", help="keep the generated 1080p clips here and reuse them")
    ap.add_argument("--seeks", type=int, default=30, help="random seeks per shared clip")
    ap.add_argument("--rss-pass", nargs=3, metavar=("PATH", "CACHE_BYTES", "MODE"))
    args = ap.parse_args()
    if args.rss_pass:
        print(json.dumps(rss_pass(args.rss_pass[0], int(args.rss_pass[1]), args.rss_pass[2])))
        return

    rng = random.Random(0)
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "pyav": av.__version__, "load_avg_at_start": os.getloadavg()[0]},
              "clips": {}}
    print(f"{'clip':18s} {'size':>10s} {'frames':>6s} {'seek median ms':>14s} {'seq fps':>8s}")
    for name, parts in CLIPS.items():
        path = shared_root().joinpath(*parts)
        if not path.exists():
            continue
        info = probe(path)
        idx = [rng.randrange(info.frame_count) for _ in range(args.seeks)]
        lat = seek_latencies(path, idx)
        fps = sequential_fps(path)
        report["clips"][name] = {"width": info.width, "height": info.height, "frames": info.frame_count,
                                 "keyframes": info.keyframe_count,
                                 "seek_median_ms": 1000 * statistics.median(lat),
                                 "seek_mean_ms": 1000 * statistics.mean(lat), "sequential_fps": fps}
        print(f"{name:18s} {info.width:>4d}x{info.height:<5d} {info.frame_count:6d} "
              f"{1000 * statistics.median(lat):14.1f} {fps:8.1f}")

    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(args.workdir) if args.workdir else Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        clips = {}
        for n in sorted({args.frames, args.long_frames}):
            path = tmp / f"pan_1080p_{n}.mp4"
            t = time.perf_counter()
            if path.exists():  # kept from an earlier run with the same --workdir
                photos = sorted((shared_root() / "data" / "photos").glob("*.jpg"))
                content = photos[0].name if photos else "synthetic pattern"
                gen_s = None
            else:
                content = make_1080p(path, n)
                gen_s = time.perf_counter() - t
            clips[n] = measure_synthetic(path, content, gen_s, args, rng)
        clip600 = Path(tmp) / f"pan_1080p_{args.frames}.mp4"
        mem = [measure_rss(clip600, DEFAULT_CACHE_BYTES), measure_rss(clip600, 64 * 2**20),
               measure_rss(clip600, DEFAULT_CACHE_BYTES, "random")]
        for m in mem:
            print(f"{m['mode']} pass over {m['frames']} frames ({m['decode_heads']} decode heads), "
                  f"cache bound {m['cache_bytes'] / 2**20:.0f} MiB: "
                  f"peak RSS {m['rss_peak_mb']:.0f} MB (+{m['rss_growth_mb']:.0f} MB after open), cache peak "
                  f"{m['cache_peak_bytes'] / 2**20:.0f} MiB, bound held: {m['cache_bound_held']}")
        report["synthetic_1080p"] = {str(n): c for n, c in clips.items()}
        report["memory_1080p"] = mem
    report["machine"]["load_avg_at_end"] = os.getloadavg()[0]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
