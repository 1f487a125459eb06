"""Returning freed heap memory to the system between export stages."""

from __future__ import annotations

import platform
import sys

import numpy as np
import pytest

from inpaint_core import sysmem


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is a glibc function")
def test_trim_heap_returns_freed_heap_memory():
    # many arrays just under glibc's mmap threshold come from the heap; freed, they stay resident
    # until trimmed
    arrays = [np.ones(100_000, np.uint8) for _ in range(1500)]  # ~150 MB in 100 KB blocks
    keep = arrays[-1]  # the last block pins the heap's top, so only a trim inside it helps
    del arrays
    before = _rss_mb()
    assert sysmem.trim_heap() is True  # glibc reports that it released memory
    after = _rss_mb()
    assert after < before - 50, (before, after)
    assert keep.sum() == 100_000
