"""Work around a reference-count bug of some PySide6 builds on Python < 3.12.

PySide6 6.12 wheels return ``None``/``True``/``False`` from C++ methods without taking a
reference, which is harmless from Python 3.12 on (those objects are immortal, PEP 683) but on 3.11
drops one reference of ``None`` per call of any void method (``update()``, ``setText()``,
``processEvents()``...). After some tens of thousands of calls CPython aborts with "none_dealloc:
deallocating None". When the bug is detected, these singletons are made effectively immortal (as
3.12 does) by giving them a reference count that can never reach zero.
"""

from __future__ import annotations

import ctypes
import sys

_IMMORTAL = 1 << 60
_applied = False


def _leaks_none() -> bool:
    from PySide6.QtCore import QTimer

    t = QTimer()
    before = sys.getrefcount(None)
    for _ in range(50):
        t.stop()
    return sys.getrefcount(None) < before


def apply() -> bool:
    """Make None/True/False immortal if this PySide6 leaks their references; True if applied."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or not hasattr(sys, "getrefcount"):
        return _applied
    if not _leaks_none():
        return False
    for obj in (None, True, False, Ellipsis, NotImplemented):
        ctypes.c_ssize_t.from_address(id(obj)).value = _IMMORTAL
    _applied = True
    return True
