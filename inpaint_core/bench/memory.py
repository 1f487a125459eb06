"""Peak memory of a piece of work: resident set size sampled by a background thread, and the torch
accelerator's own peak counter when torch is already loaded and uses one."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import resource
import sys
import threading
from pathlib import Path

_STATM = Path("/proc/self/statm")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """Current resident set size in bytes (Linux ``/proc``), or None where that is not readable."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def _maxrss_bytes() -> int:
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(r if sys.platform == "darwin" else r * 1024)


def release_free_memory() -> None:
    """Collect garbage and, on glibc, hand freed heap memory back to the system (``malloc_trim``), so
    that the RSS at the start of a measurement is the live memory, not what an earlier run left in
    the allocator's free lists (which a later run would reuse without the RSS growing)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _torch_cuda():
    torch = sys.modules.get("torch")  # never import torch just to measure
    if torch is None:
        return None
    try:
        return torch.cuda if torch.cuda.is_available() else None
    except Exception:
        return None


class PeakMemory:
    """Context manager measuring the peak RSS growth (bytes) over its block.

    On entry, freed heap memory is returned to the system first (:func:`release_free_memory`).
    ``rss_delta``: the highest RSS seen during the block minus the RSS at entry (sampled every
    ``interval`` seconds, plus at entry and exit). Where ``/proc`` is not available it falls back to
    the growth of the process's lifetime peak (``ru_maxrss``), which misses peaks below an earlier
    one. ``torch_peak``: torch's peak allocated accelerator memory during the block (bytes), or
    None when torch is not loaded or has no accelerator.
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.rss_delta = 0
        self.torch_peak: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._base = 0
        self._peak = 0
        self._proc = rss_bytes() is not None

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            v = rss_bytes()
            if v is not None and v > self._peak:
                self._peak = v

    def __enter__(self) -> PeakMemory:
        release_free_memory()
        cuda = _torch_cuda()
        if cuda is not None:
            cuda.reset_peak_memory_stats()
        if self._proc:
            self._base = self._peak = rss_bytes() or 0
            self._thread = threading.Thread(target=self._sample, name="peak-memory", daemon=True)
            self._thread.start()
        else:
            self._base = self._peak = _maxrss_bytes()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            v = rss_bytes()
            if v is not None:
                self._peak = max(self._peak, v)
        else:
            self._peak = _maxrss_bytes()
        self.rss_delta = max(0, self._peak - self._base)
        cuda = _torch_cuda()
        if cuda is not None:
            self.torch_peak = int(cuda.max_memory_allocated())
