"""STTN checkpoints for the engine: reading and verifying live in the model manager
(:mod:`inpaint_core.models.sttn_checkpoint`, which knows the released layout as data); this module
adds the layout computed from the network itself, which a test compares with that data."""

from __future__ import annotations

import torch

from ...models.sttn_checkpoint import (  # noqa: F401 (the engine's names for them)
    DRIVE_ID,
    GENERATOR_KEY,
    HOW_TO_GET,
    load_checkpoint,
    verify_checkpoint,
)
from .network import STTNGenerator


def network_shapes() -> dict[str, tuple[int, ...]]:
    """Names and shapes of every tensor :class:`STTNGenerator` needs (built on the meta device)."""
    with torch.device("meta"):
        net = STTNGenerator()
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}
