"""Vanish editor (PySide6). Never imports torch or segment_anything directly.

Importing this package has no side effects: its Qt-free modules (:mod:`app.workers.jobfns`,
:mod:`app.document.project_io`) can be imported and tested without a display.

Layout (kept by an import-linter layers contract): ``main_window`` composes ``controllers/``,
which drive ``views/`` (widgets and dialogs, which import no controller), run jobs on
``workers/`` and edit the ``document/``.
"""
