"""Reproducible libx264 encodes: which CPU features x264 may use.

On CPUs with AVX-512, x264's AVX-512 macroblock-tree code (the default ``mbtree=1``) reads
memory it never wrote for small pictures (seen at 96x64): the same frames then give different
bytes from one encode to the next, depending on what the heap held before. Two exports of the
same input in one process, or a batch join and a single export in two, disagree by a generation
of coding noise. With AVX-512 left out, x264's remaining assembly (AVX2 and below) is bit-exact
with the AVX-512 path wherever that path reads only its own data, so nothing else changes; the
loss in speed is small. Without AVX-512 x264 chooses its features itself, as before.
"""

from __future__ import annotations

import functools
import platform

# every x264 feature up to AVX2 (cumulative in x264's names), plus the flags x264 sets itself on
# such CPUs (64-byte cache lines, fast SSE2); each AVX-512 CPU has all of them
_NO_AVX512 = "AVX2,Cache64,SSE2Fast"


def _has_avx512() -> bool:
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return False
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # numpy 1.x
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            feats = {}
    if "AVX512F" in feats:
        return bool(feats["AVX512F"])
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            return " avx512f" in fh.read()
    except OSError:
        return False


@functools.cache
def x264_asm() -> str | None:
    """The ``asm`` value for x264 (its CPU features), or None to let x264 detect them."""
    return _NO_AVX512 if _has_avx512() else None


def x264_params(params: str | None) -> str | None:
    """``params`` (an ``x264-params`` value, ``key=value:...``, or None) with the CPU features of
    :func:`x264_asm` added, unless ``params`` already chooses them."""
    asm = x264_asm()
    items = [p for p in (params or "").split(":") if p]
    if asm is None or any(p.split("=", 1)[0] in ("asm", "no-asm") for p in items):
        return params
    return ":".join(items + [f"asm={asm}"])
