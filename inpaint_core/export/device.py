"""Where the restore stage's heavy operations run: ``cpu`` (numpy and OpenCV), ``cuda`` (torch on
the GPU), ``torch`` (the same torch code on the CPU, for tests and comparisons) or ``auto`` (CUDA
when torch sees a GPU, else ``cpu``)."""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil

from ..errors import VanishError

DEVICES = ("auto", "cpu", "cuda", "torch")


@functools.cache
def _cuda_available() -> bool:
    # torch is imported only where a GPU driver could be present: a CPU-only export stays light
    if not (os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi")):
        return False
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def resolve_device(name: str) -> str:
    """``auto``/``cpu``/``cuda[:N]``/``torch`` -> the device the restore runs on: ``cpu``,
    ``cuda[:N]`` or ``torch`` (torch on the CPU). VanishError for an unknown name or a CUDA device
    that is not there."""
    if name == "auto":
        return "cuda" if _cuda_available() else "cpu"
    if name in ("cpu", "torch"):
        if name == "torch" and importlib.util.find_spec("torch") is None:
            raise VanishError("The torch restore path needs PyTorch, which is not installed.")
        return name
    if name == "cuda" or name.startswith("cuda:"):
        if not _cuda_available():
            raise VanishError(f"Restore device {name!r} was asked for, but no CUDA GPU is available.")
        return name
    raise VanishError(f"Unknown restore device {name!r}; choose from {', '.join(DEVICES)}.")
