"""``vanish doctor``: what this installation can do, and what to do about what it cannot.

Each check returns :class:`Check` rows: ``area`` (e.g. "codecs"), ``name``, ``ok`` (True / False /
None for "not needed here"), ``detail`` (what was found) and ``fix`` (what to do when it is
missing). Nothing here imports Qt: the editor's platform plugin is inspected with ``ldd`` and
loaded in a child process (:mod:`.qtcheck`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Check:
    area: str
    name: str
    ok: bool | None
    detail: str
    fix: str = ""
    required: bool = False


def _human(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def check_qt(load: bool = True) -> list[Check]:
    """The editor's Qt platform plugin (xcb on Linux)."""
    from . import qtcheck

    if sys.platform != "linux":
        return [Check("editor", "Qt platform plugin", None, f"not checked on {sys.platform}")]
    files = qtcheck.plugin_files()
    if not files:
        return [Check("editor", "Qt xcb plugin", False, "PySide6 is not installed",
                      "pip install PySide6 (it comes with `pip install vanish`)", True)]
    libs = qtcheck.missing_libraries(files)
    if libs:
        line = "sudo apt-get install -y " + " ".join(qtcheck.packages_for(libs))
        return [Check("editor", "Qt xcb plugin", False, "missing " + ", ".join(libs), line, True)]
    if not load or not os.environ.get("DISPLAY") or getattr(sys, "frozen", False):
        return [Check("editor", "Qt xcb plugin", True, "all its libraries are present"
                      + ("" if os.environ.get("DISPLAY") else " (no DISPLAY: not loaded)"))]
    ok, msg = qtcheck.load_test()
    if ok:
        return [Check("editor", "Qt xcb plugin", True, f"loads on DISPLAY={os.environ['DISPLAY']}")]
    return [Check("editor", "Qt xcb plugin", False, (msg.splitlines() or ["does not load"])[-1],
                  "run the editor from a desktop session; see the README for the system packages", True)]


def _meminfo_total() -> int | None:
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="ascii") as fh:  # not Linux: below
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_device() -> list[Check]:
    """CPU cores and memory; the GPU PyTorch can use, with its memory."""
    mem = _meminfo_total()
    rows = [Check("device", "CPU", True, f"{os.cpu_count() or '?'} cores"
                  + (f", {_human(mem)} memory" if mem else ""))]
    try:
        import torch
    except Exception as exc:  # a frozen build without torch, or a broken install
        rows.append(Check("device", "PyTorch", None, f"not available ({type(exc).__name__})",
                          "the classical engine works without it; STTN and Segment Anything need "
                          "`pip install vanish` with PyTorch"))
        return rows
    rows.append(Check("device", "PyTorch", True, f"torch {torch.__version__}, {torch.get_num_threads()} threads"))
    if torch.cuda.is_available():
        for k in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(k)
            rows.append(Check("device", f"GPU {k}", True, f"{p.name}, {_human(p.total_memory)} memory (CUDA)"))
    elif getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        rows.append(Check("device", "GPU", True, "Apple GPU (MPS)"))
    else:
        rows.append(Check("device", "GPU", None, "none that PyTorch can use: neural engines run on the CPU",
                          "for a CUDA GPU install the CUDA build of PyTorch (pytorch.org)"))
    return rows


def check_models() -> list[Check]:
    """Every registered checkpoint: installed and verified, or how to get it."""
    import importlib.util

    from . import models

    rows = [Check("models", "model folder", True, str(models.models_dir()))]
    has_torch = importlib.util.find_spec("torch") is not None
    for name in models.MODELS:
        st = models.status(name)
        if not has_torch:
            rows.append(Check("models", name, None, f"{st.state.replace('missing', 'not installed')}; "
                              "cannot run: this installation has no PyTorch",
                              "install Vanish with pip or pipx (README) to use the neural engines"))
            continue
        if st.state == "installed":
            rows.append(Check("models", name, True, f"installed and verified ({_human(st.size or 0)})"))
        elif st.state == "unverified":
            rows.append(Check("models", name, False, f"unverified file {st.path}",
                              f"vanish models remove {name}; vanish models download {name}"))
        elif st.state == "partial":
            rows.append(Check("models", name, None, "partial download",
                              f"vanish models download {name} (resumes)"))
        else:
            rows.append(Check("models", name, None, f"not installed ({st.spec.approx_size or 'size unknown'})",
                              f"vanish models download {name}  (offline: `vanish models list -v` says where "
                              f"to get the file, then `vanish models import {name} FILE`)"))
    return rows


# (label, encoder names to try in order, required)
ENCODERS = [
    ("H.264", ("libx264", "h264_nvenc", "libopenh264"), True),
    ("HEVC", ("libx265", "hevc_nvenc"), False),
    ("ProRes", ("prores_ks", "prores"), False),
    ("VP9", ("libvpx-vp9",), False),
    ("AV1", ("libsvtav1", "libaom-av1", "librav1e", "av1_nvenc"), False),
    ("FFV1", ("ffv1",), False),
]


def _depth(fmt_name: str) -> int:
    import re

    m = re.search(r"(\d+)(le|be)?$", fmt_name)
    if m and fmt_name.startswith(("yuv", "gbr", "gray", "p0", "p2", "p4")):
        d = int(m.group(1))
        if d in (9, 10, 12, 14, 16):
            return d
    return 8


def check_codecs() -> list[Check]:
    """Encoders PyAV's FFmpeg has, with the bit depths each accepts."""
    import av

    lavc = ".".join(str(v) for v in av.library_versions.get("libavcodec", ()))
    rows = [Check("codecs", "PyAV", True, f"av {av.__version__}, libavcodec {lavc}")]
    for label, names, required in ENCODERS:
        for n in names:
            try:
                c = av.codec.Codec(n, "w")
            except Exception:
                continue
            depths = sorted({_depth(f.name) for f in (c.video_formats or ())})
            bits = "/".join(str(d) for d in depths) + "-bit" if depths else "?"
            rows.append(Check("codecs", label, True, f"{n} ({bits})"))
            break
        else:
            rows.append(Check("codecs", label, False if required else None, "no encoder",
                              "reinstall PyAV from PyPI (`pip install --force-reinstall av`): its wheels "
                              "include " + names[0], required))
    return rows


def check_space(min_free: float = 2e9) -> list[Check]:
    """Free space in the model folder and the temporary folder."""
    from . import models

    rows = []
    for name, folder in (("model folder", models.models_dir()), ("temp folder", Path(tempfile.gettempdir()))):
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError as exc:
            rows.append(Check("space", name, False, f"{folder}: {exc}", "choose another folder"))
            continue
        ok = free >= min_free
        fix = "" if ok else ("free some space, or set VANISH_MODELS_DIR to a bigger disk" if name == "model folder"
                             else "free some space, or set TMPDIR to a bigger disk")
        rows.append(Check("space", name, ok, f"{_human(free)} free in {folder}", fix))
    return rows


def run_checks(load_qt: bool = True) -> list[Check]:
    return [*check_qt(load_qt), *check_device(), *check_models(), *check_codecs(), *check_space()]


def report(rows: list[Check]) -> str:
    """The rows as a text table; a fix line under each that needs one."""
    mark = {True: "ok", False: "MISSING", None: "-"}
    width = max(len(r.name) for r in rows)
    out, area = [], None
    for r in rows:
        if r.area != area:
            out.append(f"{r.area}:")
            area = r.area
        out.append(f"  {mark[r.ok]:<7} {r.name:<{width}}  {r.detail}")
        if r.fix and r.ok is not True:
            out.append(f"  {'':<7} {'':<{width}}  -> {r.fix}")
    return "\n".join(out)
