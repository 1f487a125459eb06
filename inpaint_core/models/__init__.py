"""Model manager: registry of downloadable checkpoints, the per-user store, verified download and
import. Nothing here touches the network or loads weights at import time.

- :data:`MODELS` / :func:`get_spec`: the registry (``sttn``, ``sam_vit_b``, ``sam_vit_l``, ``sam_vit_h``).
- :func:`models_dir`, :func:`installed_path`, :func:`is_installed`, :func:`status`, :func:`remove`.
- :func:`download` / :func:`download_job`: resumable, verified download.
- :func:`import_model` / :func:`import_job`: install a checkpoint from a local file or folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..jobs import NEVER_CANCELLED, CancelToken, run_job
from .download import download, download_job, gdrive_confirm_url
from .registry import MODELS, ModelSpec, get_spec
from .store import (
    ModelStatus,
    import_job,
    installed_path,
    is_installed,
    model_path,
    models_dir,
    remove,
    status,
)
from .verify import check_structure, verify_job


def import_model(name: str, source: str | Path, *, progress: Callable[[Any], None] | None = None,
                 cancel: CancelToken | None = None) -> Path:
    """:func:`import_job` driven to the end; returns the installed path."""
    return run_job(import_job(name, source, cancel or NEVER_CANCELLED), progress, cancel)


__all__ = [
    "MODELS", "ModelSpec", "ModelStatus", "check_structure", "download", "download_job",
    "gdrive_confirm_url", "get_spec", "import_job", "import_model", "installed_path", "is_installed",
    "model_path", "models_dir", "remove", "status", "verify_job",
]
