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


def test_matched_texture_fill_takes_the_rings_texture_energy():
    """The gain follows the ring's texture: a finely textured surround gets a textured fill about as
    sharp as the ring, a smooth surround a smooth one; outside the hole nothing changes."""
    from inpaint_core.engines.texturefill import ring_energy

    rng = np.random.default_rng(4)
    hole = np.zeros((64, 96), bool)
    hole[20:44, 30:66] = True
    inner = cv2.erode(hole.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    noisy = np.clip(rng.normal(128, 25, (64, 96, 3)), 0, 255).astype(np.uint8)
    smooth = cv2.GaussianBlur(noisy, (0, 0), 4)
    gains = []
    for img in (noisy, smooth):
        fill = TextureFill(match=1.0)
        out = fill(img, hole)
        gains.append(fill.last_gain)
        assert np.array_equal(out[~hole], img[~hole])
        ratio = _lap_energy(out, inner) / ring_energy(img, hole)
        assert 0.4 < ratio < 1.6, ratio
    assert gains[0] > gains[1]
