"""Vanish editor (PySide6). Never imports torch or segment_anything directly.

Importing this package has no side effects, so worker processes can import its Qt-free modules
(:mod:`app.jobfns`, :mod:`app.maskmodel`) cheaply.
"""
