"""The window's actions (with shortcuts and icons) and menus, built from one table."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from .controllers.tools import TOOL_LABELS, TOOLS
from .views.render import MODE_LABELS, MODES
from .views.transport import icon

# key: (text, shortcut(s), icon)
TABLE = {
    "open": ("&Open video or project...", QKeySequence.StandardKey.Open, "fa5s.folder-open"),
    "save": ("&Save project", QKeySequence.StandardKey.Save, "fa5s.save"),
    "save_as": ("Save project &as...", QKeySequence.StandardKey.SaveAs, None),
    "new": ("&New project from video...", QKeySequence.StandardKey.New, None),
    "import_masks": ("&Import mask folder...", None, "fa5s.file-import"),
    "import_mask_image": ("Import one mask &image (stationary)...", None, None),
    "export_masks": ("E&xport mask images...", None, "fa5s.file-export"),
    "export": ("&Export...", "Ctrl+E", "fa5s.file-video"),
    "queue_batch": ("Add to &batch job file...", None, None),
    "settings": ("Se&ttings...", "Ctrl+,", "fa5s.cog"),
    "quit": ("&Quit", "Ctrl+Q", None),  # StandardKey.Quit is empty on some platforms
    "undo": ("&Undo", QKeySequence.StandardKey.Undo, "fa5s.undo"),
    "redo": ("&Redo", [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")], "fa5s.redo"),
    "play": ("Play / pause", "Space", "fa5s.play"),
    "play_fwd": ("Play forward (again: faster)", "L", None),
    "play_back": ("Play backward (again: faster)", "J", None),
    "pause": ("Pause", "K", None),
    "step_back": ("Previous frame", "Left", "fa5s.step-backward"),
    "step_fwd": ("Next frame", "Right", "fa5s.step-forward"),
    "prev_key": ("Previous key frame", "Up", "fa5s.angle-double-left"),
    "next_key": ("Next key frame", "Down", "fa5s.angle-double-right"),
    "start": ("Go to start", "Home", "fa5s.fast-backward"),
    "end": ("Go to end", "End", "fa5s.fast-forward"),
    "mark_in": ("Set in point", "I", "fa5s.sign-in-alt"),
    "mark_out": ("Set out point", "O", "fa5s.sign-out-alt"),
    "clear_range": ("Clear in/out range", "Alt+X", None),
    "zoom_in": ("Zoom in", QKeySequence.StandardKey.ZoomIn, "fa5s.search-plus"),
    "zoom_out": ("Zoom out", QKeySequence.StandardKey.ZoomOut, "fa5s.search-minus"),
    "fit": ("Fit to window", "Ctrl+0", "fa5s.expand"),
    "actual": ("Actual size (1:1)", "Ctrl+1", None),
    "overlay": ("Show mask overlay", "Ctrl+M", "fa5s.eye"),
    "outline": ("Mask outline only", "Ctrl+Shift+M", None),
    "preview": ("Preview", "Ctrl+P", "fa5s.magic"),
    "cancel_preview": ("Stop preview", "Esc", "fa5s.stop"),
    "clear_frame": ("Clear mask on this frame", None, None),
    "delete_shape": ("Delete the selected shape", "Delete", "fa5s.trash-alt"),
    "toggle_key": ("Add or remove a shape key at the playhead", "Ctrl+K", "fa5s.key"),
    "subtract_mode": ("Subtract mode (new shapes and strokes cut the layers below)", "X", "fa5s.minus-circle"),
    "track_back": ("Track backward to the in point (the selected shape, else the segmented object)", "Ctrl+Alt+Left", "fa5s.chevron-circle-left"),
    "track_fwd": ("Track forward to the out point (the selected shape, else the segmented object)", "Ctrl+Alt+Right", "fa5s.chevron-circle-right"),
}
SHAPE_KEYS = {"hand": "H", "select": "V", "brush": "B", "eraser": "E", "rect": "R", "polygon": "P", "lasso": "Q", "segment": "S"}


def build_actions(win: QMainWindow) -> dict[str, QAction]:
    acts: dict[str, QAction] = {}
    for key, (text, sc, ic) in TABLE.items():
        a = QAction(text, win)
        if sc is not None:
            if isinstance(sc, list):
                a.setShortcuts(sc)
            else:
                a.setShortcut(QKeySequence(sc))
        if ic:
            a.setIcon(icon(ic))
        tip = text.replace("&", "").rstrip(".")
        if a.shortcut().toString():
            tip += f" ({a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        a.setToolTip(tip)
        win.addAction(a)
        acts[key] = a
    for k in ("overlay", "outline", "subtract_mode"):
        acts[k].setCheckable(True)
    acts["overlay"].setChecked(True)
    tools = QActionGroup(win)
    tools.setExclusive(True)
    for t in TOOLS:
        label, _, ic = TOOL_LABELS[t]
        a = QAction(icon(ic), label, win)
        a.setCheckable(True)
        a.setShortcut(QKeySequence(SHAPE_KEYS[t]))
        a.setToolTip(f"{label} ({SHAPE_KEYS[t]})")
        a.setData(t)
        tools.addAction(a)
        win.addAction(a)
        acts[f"tool_{t}"] = a
    acts["tool_brush"].setChecked(True)
    modes = QActionGroup(win)
    modes.setExclusive(True)
    for n, m in enumerate(MODES, 1):
        a = QAction(MODE_LABELS[m], win)
        a.setCheckable(True)
        a.setShortcut(QKeySequence(str(n)))
        a.setToolTip(f"View: {MODE_LABELS[m]} ({n})")
        a.setData(m)
        modes.addAction(a)
        win.addAction(a)
        acts[f"mode_{m}"] = a
    acts["mode_original"].setChecked(True)
    win._tool_group, win._mode_group = tools, modes
    return acts


def build_menus(win: QMainWindow, a: dict[str, QAction], recent_menu_title: str = "Open &recent"):
    mb = win.menuBar()
    f = mb.addMenu("&File")
    for k in ("new", "open"):
        f.addAction(a[k])
    recent = f.addMenu(recent_menu_title)
    for k in ("save", "save_as"):
        f.addAction(a[k])
    f.addSeparator()
    f.addAction(a["import_masks"])
    f.addAction(a["import_mask_image"])
    f.addAction(a["export_masks"])
    f.addAction(a["export"])
    f.addAction(a["queue_batch"])
    f.addSeparator()
    f.addAction(a["settings"])
    f.addSeparator()
    f.addAction(a["quit"])
    e = mb.addMenu("&Edit")
    e.addAction(a["undo"])
    e.addAction(a["redo"])
    e.addSeparator()
    e.addAction(a["clear_frame"])
    e.addAction(a["delete_shape"])
    e.addAction(a["toggle_key"])
    e.addAction(a["subtract_mode"])
    e.addSeparator()
    for t in TOOLS:
        e.addAction(a[f"tool_{t}"])
    if "segment" in TOOLS:
        e.addAction(a["track_back"])
        e.addAction(a["track_fwd"])
    v = mb.addMenu("&View")
    for m in MODES:
        v.addAction(a[f"mode_{m}"])
    v.addSeparator()
    for k in ("zoom_in", "zoom_out", "fit", "actual", "overlay", "outline"):
        v.addAction(a[k])
    p = mb.addMenu("&Playback")
    for k in ("play", "play_back", "pause", "play_fwd", "step_back", "step_fwd", "prev_key", "next_key",
              "start", "end", "mark_in", "mark_out", "clear_range"):
        p.addAction(a[k])
    pr = mb.addMenu("P&review")
    pr.addAction(a["preview"])
    pr.addAction(a["cancel_preview"])
    return {"file": f, "recent": recent, "edit": e, "view": v, "playback": p, "preview": pr}
