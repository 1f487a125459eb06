"""Vanish editor (PySide6). Thin views over inpaint_core; never imports torch."""
