"""The registry of downloadable model weights.

Each :class:`ModelSpec` says where a checkpoint comes from, how it is verified and under which
licence it is distributed. Download URLs can be overridden per model with the environment variable
``VANISH_MODEL_URL_<NAME>`` (for example ``VANISH_MODEL_URL_SAM_VIT_B``) — for mirrors, and for
tests, which serve files from a local server.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ModelError

GDRIVE_URL = "https://drive.google.com/uc?export=download&id={id}"
SAM_BASE = "https://dl.fbaipublicfiles.com/segment_anything/"

SAM_LICENCE = (
    "Segment Anything model checkpoints by Meta AI (Kirillov et al., 2023), released under the "
    "Apache License 2.0 (https://github.com/facebookresearch/segment-anything/blob/main/LICENSE).")
STTN_LICENCE = (
    "STTN checkpoint trained on YouTube-VOS by Zeng, Fu and Chao (ECCV 2020), released with the "
    "STTN code (https://github.com/researchmm/STTN) under the MIT licence.")


@dataclass(frozen=True)
class ModelSpec:
    """A downloadable checkpoint.

    ``file_name``: its name in the model store. ``urls``: download locations, tried in order.
    ``gdrive_id``: set for Google Drive files (their download needs a confirmation step).
    ``size``: bytes when known, else None (learnt from Content-Length). ``sha256``: full hex digest
    when known; ``sha256_prefix``: leading hex digits when only those are published (SAM file
    names). ``structure``: how a file is checked beyond its hash — ``"sttn"`` (released keys and
    shapes) or ``"sam:<type>"`` (the SAM model builds from it); None for no structural check.
    ``approx_size``: human-readable size shown before download. ``manual``: how to get the file by
    hand.
    """

    name: str
    engine: str
    title: str
    file_name: str
    urls: tuple[str, ...]
    licence: str
    manual: str
    size: int | None = None
    sha256: str | None = None
    sha256_prefix: str | None = None
    structure: str | None = None
    gdrive_id: str | None = None
    approx_size: str = ""

    def url(self, override: str | None = None) -> str:
        """The download URL: ``override``, else ``$VANISH_MODEL_URL_<NAME>``, else the first URL."""
        env = os.environ.get(f"VANISH_MODEL_URL_{self.name.upper()}")
        return override or env or self.urls[0]

    def import_hint(self) -> str:
        """Sentence telling a user how to install this model by hand."""
        return (f"To install it by hand: {self.manual} Then run: "
                f"vanish models import {self.name} /path/to/{self.file_name}")


def _sam(kind: str, digest: str, approx: str) -> ModelSpec:
    file_name = f"sam_{kind}_{digest}.pth"
    url = SAM_BASE + file_name
    return ModelSpec(
        name=f"sam_{kind}", engine="segment", title=f"Segment Anything ({kind.replace('_', '-')})",
        file_name=file_name, urls=(url,), licence=SAM_LICENCE, sha256_prefix=digest,
        structure=f"sam:{kind}", approx_size=approx,
        manual=f"download {url} in a browser (or from the segment-anything README's model list).")


SAM2_BASE = "https://dl.fbaipublicfiles.com/segment_anything_2/092824/"
SAM2_LICENCE = (
    "SAM 2.1 model checkpoints by Meta AI (Ravi et al., 2024), released under the Apache License 2.0 "
    "(https://github.com/facebookresearch/sam2/blob/main/LICENSE).")


def _sam2(kind: str, file_kind: str, approx: str) -> ModelSpec:
    """A SAM 2.1 checkpoint. The sam2 repository publishes no hashes for them, so a file is
    checked by its structure: the sam2 package builds the model and loads it strictly."""
    file_name = f"sam2.1_hiera_{file_kind}.pt"
    url = SAM2_BASE + file_name
    return ModelSpec(
        name=f"sam21_{kind}", engine="segment", title=f"SAM 2.1 video segmentation (Hiera {kind.replace('_', '+')})",
        file_name=file_name, urls=(url,), licence=SAM2_LICENCE, structure=f"sam2:sam21_{kind}",
        approx_size=approx,
        manual=(f"download {url} in a browser (listed in the sam2 repository's README and "
                "checkpoints/download_ckpts.sh); its hash is not published, so it is checked by "
                "building the model from it (needs: pip install sam2)."))


STTN_ID = "1ZAMV8547wmZylKRt5qR_tC5VlosXD4Wv"

MODELS: dict[str, ModelSpec] = {
    "sttn": ModelSpec(
        name="sttn", engine="sttn", title="STTN video inpainting (YouTube-VOS)", file_name="sttn.pth",
        urls=(GDRIVE_URL.format(id=STTN_ID),), gdrive_id=STTN_ID, licence=STTN_LICENCE,
        structure="sttn", approx_size="about 66 MB",
        manual=(f"open https://drive.google.com/file/d/{STTN_ID}/view in a browser (linked from the "
                "STTN README as the pretrained YouTube-VOS model) and download sttn.pth; its hash is "
                "not published, so it is checked by its keys and tensor shapes.")),
    "sam_vit_b": _sam("vit_b", "01ec64", "about 375 MB"),
    "sam_vit_l": _sam("vit_l", "0b3195", "about 1.2 GB"),
    "sam_vit_h": _sam("vit_h", "4b8939", "about 2.6 GB"),
    "sam21_tiny": _sam2("tiny", "tiny", "about 150 MB"),
    "sam21_small": _sam2("small", "small", "about 180 MB"),
    "sam21_base_plus": _sam2("base_plus", "base_plus", "about 310 MB"),
    "sam21_large": _sam2("large", "large", "about 860 MB"),
}


def get_spec(name: str) -> ModelSpec:
    """The spec registered as ``name``; :class:`ModelError` listing the known names otherwise."""
    spec = MODELS.get(name)
    if spec is None:
        raise ModelError(f"Unknown model '{name}'. Known models: {', '.join(MODELS)}.")
    return spec
