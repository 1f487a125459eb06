"""What a failed ``torch.load(..., weights_only=True)`` means, in words for a user.

PyTorch refuses a file that pickles anything besides tensors and plain containers (code, classes,
functions) and suggests re-running with ``weights_only=False``. Vanish never does that: such a file
is reported as carrying code, never as "corrupt", and PyTorch's advice is not passed on.
"""

from __future__ import annotations

import pickle
import re

_GLOBAL = re.compile(r"(?:unsupported GLOBAL|Unsupported global:\s*GLOBAL)\s+([\w.]+)")


def carries_code(exc: BaseException) -> str | None:
    """For an exception from a weights-only ``torch.load``: the name of the Python object the file
    asks to import (``"posix.system"``), ``"code"`` when none is named, or None when the failure
    is not about code (a damaged or foreign file)."""
    text = str(exc)
    if not (isinstance(exc, pickle.UnpicklingError) or "Weights only load failed" in text):
        return None
    m = _GLOBAL.search(text)
    if m:
        return m.group(1)
    return "code" if "GLOBAL" in text or "global" in text.split("\n", 1)[-1] else None


def short_reason(exc: BaseException) -> str:
    """``Type: first line`` of a load failure, without PyTorch's advice to load unsafely."""
    text = str(exc)
    if "Weights only load failed" in text:
        return f"{type(exc).__name__}: not a plain weights file"
    first = text.splitlines()[0] if text else "unexpected end of file"
    return f"{type(exc).__name__}: {first}"


def code_message(path, what: str, name: str) -> str:
    """The sentence for a checkpoint ``path`` that carries code (``name`` from :func:`carries_code`)."""
    obj = "" if name == "code" else f" (it asks to import {name})"
    return (f"{path} carries Python code besides weights{obj}. Vanish never runs code from a "
            f"checkpoint, so it was not loaded. It is not the released {what} file; get the "
            "original from its official source.")
