"""The writer's H.264 is reproducible: the same frames give the same packets, whatever the
process's heap held before (x264's AVX-512 macroblock-tree code read memory it never wrote, so
two encodes of one input differed; see inpaint_core/video/x264cpu.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from inpaint_core.video.x264cpu import x264_asm, x264_params

# Encodes the same 50 frames (96x64, the size where the read showed) through VideoWriter, from
# the source's samples and from RGB, twice each in one process; prints one packet digest per
# encode. Run under several glibc heap fills (MALLOC_PERTURB_), an uninitialised read changes it.
ENCODE = r"""
import hashlib, sys
from fractions import Fraction
import av
from inpaint_core.video import VideoWriter
from inpaint_core.video.native import from_av
from tests.synth import synth_frame

rgb = [synth_frame(i, 96, 64) for i in range(50)]
native = [from_av(av.VideoFrame.from_ndarray(f, format="rgb24").reformat(format="yuv420p")) for f in rgb]
out = sys.argv[1]
for run in range(4):
    w = VideoWriter(out, width=96, height=64, time_base=Fraction(1, 90000), rate=Fraction(30), crf=18)
    for i in range(50):
        if run % 2:
            w.write(rgb[i], i * 3000)
        else:
            w.write_native(native[i], i * 3000)
    w.close()
    with av.open(out) as c:
        print(("rgb" if run % 2 else "native"),
              hashlib.sha1(b"".join(bytes(p) for p in c.demux(video=0))).hexdigest())
"""


def test_same_frames_give_the_same_packets(tmp_path):
    runs = []
    for fill in ("1", "85", "170"):
        env = {**os.environ, "MALLOC_PERTURB_": fill, "PYTHONPATH": os.getcwd()}
        res = subprocess.run([sys.executable, "-c", ENCODE, str(tmp_path / f"o{fill}.mp4")], env=env,
                             capture_output=True, text=True, timeout=120, cwd=os.getcwd())
        assert res.returncode == 0, res.stderr
        runs.append(res.stdout.split())
    native = {d for r in runs for k, d in zip(r[::2], r[1::2]) if k == "native"}
    rgb = {d for r in runs for k, d in zip(r[::2], r[1::2]) if k == "rgb"}
    print(f"\n12 encodes (3 heap fills x 2 in one process x native/RGB): {len(native)} native digest(s), "
          f"{len(rgb)} RGB digest(s); x264 asm {x264_asm() or 'auto'}")
    assert len(native) == 1 and len(rgb) == 1, runs


@pytest.mark.parametrize("given, want_asm", [(None, True), ("repeat-headers=1", True), ("asm=SSE2", False),
                                             ("no-asm=1", False)])
def test_x264_params_keep_other_settings_and_a_chosen_asm(given, want_asm):
    got = x264_params(given)
    if x264_asm() is None or not want_asm:
        assert got == given
    else:
        assert got.split(":") == [p for p in (given or "").split(":") if p] + [f"asm={x264_asm()}"]
