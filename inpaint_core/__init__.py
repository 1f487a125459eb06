"""Vanish core library: video I/O, masks, engines, export. Never imports Qt."""

__version__ = "0.1.0"
