"""Loading and verifying STTN checkpoints in the released layout.

A released checkpoint (``sttn.pth``) is a ``torch.save`` of ``{'netG': state_dict}`` whose 112
tensors have exactly the names and shapes listed in ``sttn_layout.json`` (those of
:class:`inpaint_core.engines.sttn.network.STTNGenerator`; a test keeps the two equal). The layout
is data here, so the model manager checks files without importing the engine. Files are read with
``torch.load(..., weights_only=True)``, which never runs code from the file. Every way a file can
fail raises :class:`~inpaint_core.errors.ModelError` with a message that says what is wrong and
what to do.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch

from ..errors import ModelError
from ..torchload import carries_code, code_message, short_reason

#: the top-level key of the released checkpoints
GENERATOR_KEY = "netG"
#: where the released weights are published (the authors' Google Drive file id)
DRIVE_ID = "1ZAMV8547wmZylKRt5qR_tC5VlosXD4Wv"
HOW_TO_GET = (
    "Download sttn.pth (the authors' Google Drive file id "
    f"{DRIVE_ID}, https://drive.google.com/file/d/{DRIVE_ID}) and install it with "
    "`vanish models import sttn FILE`, or pass it with --checkpoint PATH."
)


@lru_cache(maxsize=1)
def expected_shapes() -> dict[str, tuple[int, ...]]:
    """Names and shapes of every tensor of the released generator, in its order."""
    data = json.loads((Path(__file__).with_name("sttn_layout.json")).read_text(encoding="utf-8"))
    return {k: tuple(v) for k, v in data.items()}


def _read(path: Path) -> object:
    if not path.exists():
        raise ModelError(f"STTN checkpoint not found: {path}. {HOW_TO_GET}")
    if not path.is_file():
        raise ModelError(f"STTN checkpoint {path} is not a file. {HOW_TO_GET}")
    with open(path, "rb") as fh:
        head = fh.read(4)
    looks_zip = head.startswith(b"PK")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # torch.load raises many types for foreign or damaged bytes
        code = carries_code(exc)
        if code:
            raise ModelError(f"STTN checkpoint {code_message(path, 'STTN', code)} {HOW_TO_GET}") from None
        if looks_zip or isinstance(exc, EOFError):
            raise ModelError(
                f"STTN checkpoint {path} is truncated or corrupted ({short_reason(exc)}). "
                f"Download it again. {HOW_TO_GET}"
            ) from None
        raise ModelError(
            f"{path} is not a PyTorch checkpoint (it could not be read by torch.load). "
            f"Choose the sttn.pth file. {HOW_TO_GET}"
        ) from None


def _check_state(path: Path, state: dict) -> None:
    want = expected_shapes()
    bad_types = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if bad_types:
        raise ModelError(
            f"STTN checkpoint {path} is not in the released layout: '{GENERATOR_KEY}' holds "
            f"non-tensor entries ({', '.join(map(str, bad_types[:3]))})."
        )
    missing = [k for k in want if k not in state]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise ModelError(
            f"STTN checkpoint {path} is missing key {', '.join(missing[:3])}{more}: it is not a "
            f"complete STTN generator. {HOW_TO_GET}"
        )
    extra = [k for k in state if k not in want]
    if extra:
        more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
        raise ModelError(
            f"STTN checkpoint {path} has unexpected key {', '.join(map(str, extra[:3]))}{more}: it is "
            f"not the released STTN generator. {HOW_TO_GET}"
        )
    for k, shape in want.items():
        got = tuple(state[k].shape)
        if got != shape:
            raise ModelError(
                f"STTN checkpoint {path} has the wrong shape for {k}: {list(got)}, expected "
                f"{list(shape)}. It is not the released STTN generator. {HOW_TO_GET}"
            )
        if not state[k].is_floating_point():
            raise ModelError(f"STTN checkpoint {path}: {k} is not a floating-point tensor.")
        if not bool(torch.isfinite(state[k]).all()):
            raise ModelError(
                f"STTN checkpoint {path}: {k} contains NaN or infinite values. Download it again."
            )


def load_checkpoint(path: str | Path) -> dict[str, torch.Tensor]:
    """Read and verify ``path``; returns the generator's state dict (float tensors on the CPU).

    Raises ModelError for a missing file, a truncated or corrupted file, a file that is not a
    PyTorch checkpoint, a wrong top-level layout (not ``{'netG': state_dict}``), a missing or
    unexpected key, a wrong shape, or non-finite values.
    """
    path = Path(path)
    obj = _read(path)
    if not isinstance(obj, dict) or GENERATOR_KEY not in obj or not isinstance(obj[GENERATOR_KEY], dict):
        if isinstance(obj, dict):
            keys = ", ".join(map(str, list(obj)[:4])) or "nothing"
            found = f"a dictionary with keys {keys}"
        else:
            found = f"a {type(obj).__name__}"
        raise ModelError(
            f"STTN checkpoint {path} has the wrong layout: expected a dictionary {{'{GENERATOR_KEY}': "
            f"state_dict}} as in the released sttn.pth, found {found}. {HOW_TO_GET}"
        )
    state = obj[GENERATOR_KEY]
    _check_state(path, state)
    return {k: v.float() for k, v in state.items()}


def verify_checkpoint(path: str | Path) -> dict[str, int]:
    """Check that ``path`` is an STTN generator checkpoint in the released layout.

    Returns ``{'tensors': 112, 'parameters': 16556163}`` (the counts found); raises ModelError
    otherwise (see :func:`load_checkpoint`).
    """
    state = load_checkpoint(path)
    return {"tensors": len(state), "parameters": int(sum(v.numel() for v in state.values()))}
