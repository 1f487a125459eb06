"""Helpers of the fault matrix: run the CLI in-process, make broken inputs, check what is left.

Every refused case is held to the same contract: exit status 2, ``error:`` with a message that
names the file, no traceback, the inputs unchanged (sha256), nothing at the target and no hidden
litter (``.NAME.*``) beside it.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from inpaint_core.cli import main

SIZE = (96, 64)  # (w, h) of the small clips
FAST = ("--engine", "telea", "--residuals", "none")  # where the fill itself is not under test


def cli(capsys, *argv) -> tuple[int, str, str]:
    """Run ``vanish ARGV`` in this process; (exit status, stdout, stderr)."""
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def sha(path: Path) -> str:
    """sha256 of a file, or of every file under a folder (names and contents)."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(path)).encode())
                h.update(p.read_bytes())
    else:
        h.update(path.read_bytes())
    return h.hexdigest()


def litter(folder: Path, name: str) -> list[str]:
    """Hidden entries beside a target ``name`` in ``folder`` (temp files, partial work, locks)."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name.startswith(f".{name}"))


def assert_refused(rc: int, err: str, *names) -> None:
    """Exit 2, one clear ``error:`` message naming each of ``names``, no traceback."""
    assert rc == 2, err
    assert "error:" in err and "Traceback" not in err and "internal error" not in err, err
    for n in names:
        assert str(n) in err, (n, err)


def assert_nothing_written(target: Path) -> None:
    target = Path(target)
    assert not target.exists(), f"{target} was written"
    assert litter(target.parent, target.name) == []


def save_mask(path: Path, size=SIZE, rect=(20, 16, 50, 40), value: int = 255) -> Path:
    """A greyscale 0/255 mask PNG of ``size`` = (w, h) with ``rect`` = (x0, y0, x1, y1) set."""
    w, h = size
    m = np.zeros((h, w), np.uint8)
    x0, y0, x1, y1 = rect
    m[y0:y1, x0:x1] = value
    Image.fromarray(m).save(path)
    return Path(path)


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header declares ``width`` x ``height`` (8-bit grey) with next to no data: a
    decompression bomb as far as its header goes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    Path(path).write_bytes(data)
    return Path(path)
