"""Vanish editor (PySide6). Never imports torch or segment_anything directly."""

from . import _qtfix

_qtfix.apply()
