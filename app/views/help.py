"""The Help menu: the keyboard shortcuts sheet (also on ``?``), the user guide and About.

The sheet is built from the window's own actions, so it always lists the shortcuts that are
really bound (tools, view modes, playback, masks, files), plus the mouse gestures of the tools.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"

# section title: the MainWindow action keys listed in it
SECTIONS = [
    ("Tools", None),  # every tool_* action
    ("View", ["mode_original", "mode_result", "mode_split", "mode_mask", "zoom_in", "zoom_out", "fit",
              "actual", "overlay", "outline"]),
    ("Playback", ["play", "play_back", "pause", "play_fwd", "step_back", "step_fwd", "prev_key", "next_key",
                  "start", "end", "mark_in", "mark_out", "clear_range"]),
    ("Masks and preview", ["brush_smaller", "brush_bigger", "delete_shape", "toggle_key", "subtract_mode", "track_back", "track_fwd", "undo", "redo",
                           "preview", "cancel_preview"]),
    ("Files", ["open", "save", "save_as", "new", "export", "settings", "quit", "shortcuts"]),
]
GESTURES = [
    ("Drag", "brush paints, eraser removes (on a shape: cuts)"),
    ("Click / right-click", "segment: add / exclude the object"),
    ("Drag (segment)", "a box around the object"),
    ("Drag (rectangle, lasso)", "a stationary shape over in-out"),
    ("Clicks (polygon)", "points; double-click closes"),
    ("Drag a shape (select, or a shape tool)", "move it; its handles resize, vertices reshape"),
    ("Shift+drag inside a shape", "draw a new shape over it"),
    ("Drag the layer bar (timeline)", "move the shape's frames; its ends trim them"),
    ("Wheel / middle drag", "zoom / pan the viewer"),
    ("Ctrl+wheel", "zoom the timeline"),
]


def _keys(a: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in a.shortcuts() if not s.isEmpty())


def shortcut_rows(acts: dict[str, QAction]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(section, [(what, keys), ...]), ...] for the visible actions that have a shortcut."""
    out = []
    for title, keys in SECTIONS:
        names = [k for k in acts if k.startswith("tool_")] if keys is None else keys
        rows = [(_short(acts[k].text()), _keys(acts[k]))
                for k in names if k in acts and acts[k].isVisible() and _keys(acts[k])]
        if rows:
            out.append((title, rows))
    return out


def _short(text: str) -> str:
    """An action's menu text without its explanation: "Polygon over in/out range"."""
    return text.replace("&", "").rstrip(".").split(" (")[0].split(":")[0]


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td style='padding: 2px 14px 2px 0; color: #eef0f5; white-space: nowrap;'>"
                    f"<code>{html.escape(k)}</code></td><td style='padding: 2px 0;'>{html.escape(w)}</td></tr>"
                    for w, k in rows)
    return (f"<p style='color: #8fc4ff; font-weight: 600; margin: 10px 0 4px 0;'>{html.escape(title)}</p>"
            f"<table cellspacing='0'>{cells}</table>")


class ShortcutsSheet(QDialog):
    """A non-modal sheet of every bound shortcut, in three columns by section. ``rows`` holds what
    it shows: [(section, [(what, keys), ...]), ...]."""

    def __init__(self, acts: dict[str, QAction], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsSheet")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(acts)
        sections = [*self.rows, ("Mouse", [(what, where) for where, what in GESTURES])]
        columns = [[], [], []]
        sizes = [0, 0, 0]
        for title, rows in sections:  # fill the shortest column next
            c = sizes.index(min(sizes))
            columns[c].append(_table(title, rows))
            sizes[c] += len(rows) + 2
        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setHorizontalSpacing(36)
        self.columns: list[QLabel] = []
        for c, parts in enumerate(columns):
            lab = QLabel("".join(parts), body)
            lab.setTextFormat(Qt.TextFormat.RichText)
            lab.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(lab, 0, c)
            self.columns.append(lab)
        scroll = QScrollArea(self)
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        lay.addWidget(buttons)
        self.resize(1080, 620)

    def text(self) -> str:
        """Everything the sheet says, as plain text (for tests and search)."""
        from PySide6.QtGui import QTextDocument

        out = []
        for lab in self.columns:
            doc = QTextDocument()
            doc.setHtml(lab.text())
            out.append(doc.toPlainText())
        return "\n".join(out)


def _bind_brush_keys(win) -> None:
    """[ and ] make the brush smaller / bigger (as the size slider's tooltip says)."""
    for key, factor, text in (("[", 1 / 1.25, "Smaller brush"), ("]", 1.25, "Bigger brush")):
        a = QAction(text, win)
        a.setShortcut(QKeySequence(key))
        size = win.tool_options.size

        def step(_=False, f=factor, s=size) -> None:
            v = s.value()
            new = round(v * f)
            if new == v:
                new = v + (1 if f > 1 else -1)
            s.setValue(max(s.minimum(), min(s.maximum(), new)))

        a.triggered.connect(step)
        win.addAction(a)
        win.acts["brush_smaller" if key == "[" else "brush_bigger"] = a


def about_text() -> str:
    from inpaint_core import __version__

    return (f"<b>Vanish {__version__}</b><br>Remove objects and watermarks from video.<br><br>"
            "The classical engine needs no model; neural engines run only with verified "
            "checkpoints (Settings &gt; Models). <code>vanish doctor</code> shows what this "
            "installation can do.")


def install_help(win) -> dict[str, QAction]:
    """Add the Help menu and the ``?`` shortcut to ``win`` (the MainWindow); returns its actions."""
    shortcuts = QAction("&Keyboard shortcuts", win)
    shortcuts.setShortcuts([QKeySequence("?"), QKeySequence("Shift+?"), QKeySequence("F1")])
    shortcuts.setToolTip("Keyboard shortcuts (?)")
    win.addAction(shortcuts)
    win.acts["shortcuts"] = shortcuts
    guide = QAction("&User guide", win)
    about = QAction("&About Vanish", win)
    menu = win.menuBar().addMenu("&Help")
    menu.addAction(shortcuts)
    if GUIDE.exists():  # present in a source checkout; not in builds without the docs
        menu.addAction(guide)
        guide.triggered.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(GUIDE))))
    menu.addSeparator()
    menu.addAction(about)
    win.menus["help"] = menu

    def show_sheet() -> ShortcutsSheet:
        sheet = getattr(win, "shortcuts_sheet", None)
        if sheet is None:
            sheet = win.shortcuts_sheet = ShortcutsSheet(win.acts, win)
        sheet.show()
        sheet.raise_()
        sheet.activateWindow()
        return sheet

    win.show_shortcuts = show_sheet
    _bind_brush_keys(win)
    shortcuts.triggered.connect(show_sheet)
    about.triggered.connect(lambda: QMessageBox.about(win, "About Vanish", about_text()))
    return {"shortcuts": shortcuts, "guide": guide, "about": about}
