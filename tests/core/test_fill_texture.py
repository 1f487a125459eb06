"""The texture spatial fill: Telea's smooth base with exemplar detail on top."""

import cv2
import numpy as np

from inpaint_core.engines.texturefill import TextureFill


def _lap_energy(img: np.ndarray, region: np.ndarray) -> float:
    g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float((cv2.Laplacian(g, cv2.CV_32F) ** 2)[region].mean())


def test_texture_fill_keeps_outside_and_adds_detail_telea_lacks():
    rng = np.random.default_rng(3)
    tile = rng.integers(40, 215, (8, 8, 3), dtype=np.uint8)
    img = np.ascontiguousarray(np.tile(tile, (8, 12, 1)))  # (64, 96, 3) periodic texture
    hole = np.zeros((64, 96), bool)
    hole[20:44, 30:66] = True
    out = TextureFill()(img, hole)
    assert np.array_equal(out[~hole], img[~hole])
    telea = cv2.inpaint(img, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    truth = _lap_energy(img, inner)
    assert _lap_energy(out, inner) > 3 * _lap_energy(telea, inner)
    assert _lap_energy(out, inner) > 0.3 * truth
