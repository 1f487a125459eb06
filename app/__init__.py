"""Vanish editor (PySide6). Never imports torch or segment_anything directly.

Importing this package has no side effects: its Qt-free modules (:mod:`app.jobfns`,
:mod:`app.project_io`) can be imported and tested without a display.
"""
