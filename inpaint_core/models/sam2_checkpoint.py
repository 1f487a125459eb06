"""Structure check of a SAM 2.1 checkpoint: the sam2 package builds the model (on the CPU: about
four bytes a parameter, 0.9 GB for the large one, freed at once) and the file's ``model`` state
must load into it strictly (every key and shape)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ..errors import ModelError

#: store model name -> the sam2 package's config of that model
CONFIGS = {
    "sam21_tiny": "configs/sam2.1/sam2.1_hiera_t.yaml",
    "sam21_small": "configs/sam2.1/sam2.1_hiera_s.yaml",
    "sam21_base_plus": "configs/sam2.1/sam2.1_hiera_b+.yaml",
    "sam21_large": "configs/sam2.1/sam2.1_hiera_l.yaml",
}


def package_available() -> bool:
    """Whether the optional ``sam2`` package is installed (nothing is imported)."""
    try:
        return importlib.util.find_spec("sam2") is not None
    except (ImportError, ValueError):
        return False


def check_sam2(name: str, path: Path) -> None:
    """:class:`ModelError` unless ``path`` is a SAM 2.1 checkpoint of store model ``name``."""
    if name not in CONFIGS:
        raise ModelError(f"unknown SAM 2 model {name!r}")
    if not package_available():
        raise ModelError("the sam2 package is needed to check SAM 2.1 checkpoints; install it with: "
                         "pip install sam2")
    import sam2  # noqa: F401  (importing it registers its model configs with hydra)
    import torch
    from hydra import compose
    from hydra.utils import instantiate

    bad = f"{path} is not a valid SAM 2.1 checkpoint for {name}"
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # torch raises many types for a bad file; all mean "not a checkpoint"
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception:
            raise ModelError(f"{bad} (it cannot be loaded: {type(exc).__name__}).") from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not any(str(k).startswith("image_encoder.") for k in state):
        raise ModelError(f"{bad} (it holds no SAM 2 image encoder weights).")
    try:
        cfg = compose(config_name=CONFIGS[name])
        model = instantiate(cfg.model, _recursive_=True)  # SAM 2 cannot be built on the meta device
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # missing/unexpected keys or shape mismatches
        raise ModelError(f"{bad} ({type(exc).__name__}: {str(exc)[:300]}).") from exc
    del model, state
