"""The dark editor theme (app/theme.qss) and the application-wide palette."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

QSS = Path(__file__).resolve().parent / "theme.qss"


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    pal = QPalette()
    for role, col in (
        (QPalette.ColorRole.Window, "#1f2024"), (QPalette.ColorRole.WindowText, "#d8dae0"),
        (QPalette.ColorRole.Base, "#17181c"), (QPalette.ColorRole.AlternateBase, "#23252a"),
        (QPalette.ColorRole.Text, "#d8dae0"), (QPalette.ColorRole.Button, "#2c2e34"),
        (QPalette.ColorRole.ButtonText, "#d8dae0"), (QPalette.ColorRole.Highlight, "#2f6fed"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#2a2c32"),
        (QPalette.ColorRole.ToolTipText, "#e6e8ee"), (QPalette.ColorRole.PlaceholderText, "#6a6d76"),
    ):
        pal.setColor(role, QColor(col))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#5a5d66"))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#5a5d66"))
    app.setPalette(pal)
    if QSS.exists():
        app.setStyleSheet(QSS.read_text(encoding="utf-8"))
