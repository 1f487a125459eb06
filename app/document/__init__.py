"""What the editor edits and keeps: the mask document with its undo stack (over the core's
:class:`~inpaint_core.masks.document.MaskDocument`), the open clip, project files and recent files."""
