"""Verification of checkpoint files: size, sha256 (full or published prefix), structure.

Structure checks load the file: an STTN checkpoint must have the released keys and shapes
(:func:`inpaint_core.models.sttn_checkpoint.verify_checkpoint`), a SAM checkpoint must build the
SAM model of its type with ``segment_anything``. Nothing here runs at import time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..jobs import NEVER_CANCELLED, CancelToken, Progress
from .registry import ModelSpec

_CHUNK = 4 << 20


def sha256_job(path: Path, cancel: CancelToken = NEVER_CANCELLED,
               stage: str = "verifying") -> Generator[Progress, None, str]:
    """Hash ``path``; yields byte progress, returns the hex sha256."""
    total = path.stat().st_size
    h = hashlib.sha256()
    done = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            cancel.raise_if_cancelled()
            h.update(chunk)
            done += len(chunk)
            yield Progress(done, total, stage)
    return h.hexdigest()


def check_structure(spec: ModelSpec, path: Path) -> None:
    """Load ``path`` as the checkpoint ``spec`` describes; :class:`ModelError` if it is not one."""
    kind = spec.structure
    if kind is None:
        return
    if kind == "sttn":
        from .sttn_checkpoint import verify_checkpoint

        verify_checkpoint(path)
        return
    if kind.startswith("sam:"):
        _check_sam(kind.split(":", 1)[1], path)
        return
    if kind.startswith("sam2:"):
        from .sam2_checkpoint import check_sam2

        check_sam2(kind.split(":", 1)[1], path)
        return
    raise ModelError(f"Model {spec.name} has an unknown structure check {kind!r}.")


def _load_state(torch, path: Path) -> object:
    try:  # memory-mapped: a 2.5 GB checkpoint is not read into memory to be checked
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:  # legacy (non-zip) files cannot be memory-mapped
        return torch.load(path, map_location="cpu", weights_only=True)


def _check_sam(model_type: str, path: Path) -> None:
    """Load the state dict (cheap rejection of non-checkpoints), then build SAM ``model_type`` with
    ``segment_anything`` (on the meta device: no weight memory) and load the state into it strictly,
    so every key and shape must match."""
    try:
        import torch
        from segment_anything import sam_model_registry
    except ImportError as exc:
        raise ModelError("segment-anything and torch are needed to check SAM checkpoints; "
                         "install them with: pip install segment-anything torch") from exc
    bad = f"{path} is not a valid SAM {model_type} checkpoint"
    try:
        state = _load_state(torch, path)
    except Exception as exc:  # torch raises many types for a bad file; all mean "not a checkpoint"
        from ..torchload import carries_code, code_message

        code = carries_code(exc)
        if code:
            raise ModelError(code_message(path, f"SAM {model_type}", code)) from None
        raise ModelError(f"{bad} (it cannot be loaded: {type(exc).__name__}).") from exc
    if not isinstance(state, dict) or not any(str(k).startswith("image_encoder.") for k in state):
        raise ModelError(f"{bad} (it holds no SAM image encoder weights).")
    try:
        with torch.device("meta"):
            model = sam_model_registry[model_type]()
        model.load_state_dict(state, strict=True, assign=True)
    except Exception as exc:  # missing/unexpected keys or shape mismatches
        raise ModelError(f"{bad} ({type(exc).__name__}: {str(exc)[:300]}).") from exc
    del model, state


def verify_job(spec: ModelSpec, path: Path, cancel: CancelToken = NEVER_CANCELLED,
               expected_size: int | None = None) -> Generator[Progress, None, dict[str, Any]]:
    """Check ``path`` against ``spec``: size (``spec.size`` or ``expected_size``), sha256 or its
    published prefix, then structure. Yields progress while hashing; returns ``{"size", "sha256"}``.
    Raises :class:`ModelError` saying which check failed (the caller removes the bad file)."""
    size = path.stat().st_size
    want = spec.size or expected_size
    if want is not None and size != want:
        raise ModelError(f"{path.name} has {size} bytes but {spec.name} has {want}; the file is "
                         "incomplete or a different file.")
    digest = yield from sha256_job(path, cancel, f"verifying {spec.name}")
    if spec.sha256 and digest != spec.sha256.lower():
        raise ModelError(f"{path.name} has sha256 {digest}, expected {spec.sha256}: the file is "
                         "corrupt or not the released checkpoint.")
    if spec.sha256_prefix and not digest.startswith(spec.sha256_prefix.lower()):
        raise ModelError(f"{path.name} has sha256 {digest[:16]}..., but the released {spec.name} "
                         f"starts with {spec.sha256_prefix}: the file is corrupt, incomplete or "
                         "not the released checkpoint.")
    yield Progress(0, 1, f"checking {spec.name}")
    check_structure(spec, path)
    yield Progress(1, 1, f"checking {spec.name}")
    return {"size": size, "sha256": digest}

