"""Colour metadata: FFmpeg's AVCOL_* numbers <-> names, and YUV -> RGB conversion of frames."""

from __future__ import annotations

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

RANGES = {1: "tv", 2: "pc"}
SPACES = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
          9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc",
          13: "chroma-derived-c", 14: "ictcp"}
PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film",
             9: "bt2020", 10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}
TRCS = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
        9: "log100", 10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1",
        14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}

# AVCOL_SPC_* -> swscale matrix used to turn YUV into RGB.
_SWS_MATRIX = {1: Colorspace.ITU709, 4: Colorspace.FCC, 5: Colorspace.ITU601, 6: Colorspace.ITU601,
               7: Colorspace.SMPTE240M, 9: Colorspace.BT2020, 10: Colorspace.BT2020}


def name_of(table: dict[int, str], value) -> str | None:
    """Name of an AVCOL_* value, or None when unspecified/unknown."""
    try:
        return table.get(int(value))
    except (TypeError, ValueError):
        return None


def value_of(table: dict[int, str], name: str | None) -> int | None:
    """AVCOL_* value of a name (inverse of :func:`name_of`)."""
    if name is None:
        return None
    for k, v in table.items():
        if v == name:
            return k
    return None


def default_space(height: int) -> str:
    """The matrix players assume for untagged video: BT.709 for HD, BT.601 (smpte170m) for SD."""
    return "bt709" if height >= 720 else "smpte170m"


def sws_matrix(space: str | None, height: int) -> Colorspace:
    """swscale matrix for a colour-space name (untagged: by picture height, as players do)."""
    v = value_of(SPACES, space or default_space(height))
    return _SWS_MATRIX.get(v if v is not None else -1, Colorspace.ITU601)


def frame_to_rgb(frame: av.VideoFrame, rotation: int = 0) -> np.ndarray:
    """Decoded frame -> RGB uint8 (H, W, 3), C-contiguous, rotated clockwise by ``rotation``.

    The frame's own colour tags choose the YUV matrix and range; untagged frames use the
    player convention of :func:`default_space`.
    """
    fmt = frame.format.name
    if fmt in ("rgb24",):
        rgb = frame.to_ndarray()
    elif fmt.startswith(("gbr", "rgb", "bgr", "argb", "abgr", "rgba", "bgra", "pal8", "gray")):
        rgb = frame.to_ndarray(format="rgb24")
    else:
        full = int(frame.color_range) == 2 or fmt.startswith("yuvj")
        space = name_of(SPACES, frame.colorspace)
        rgb = frame.to_ndarray(
            format="rgb24",
            src_colorspace=sws_matrix(space, frame.height),
            src_color_range=ColorRange.JPEG if full else ColorRange.MPEG,
        )
    if rotation:
        rgb = np.rot90(rgb, k=-(rotation // 90))
    return np.ascontiguousarray(rgb)


def frame_to_rgb16(frame: av.VideoFrame) -> np.ndarray:
    """Decoded frame -> RGB uint16 (H, W, 3) on the full 16-bit scale (255 * 257 = 65535 is white),
    converted like :func:`frame_to_rgb` but without the 8-bit step (for 9-16-bit sources). No
    rotation: callers of the native path work in the coded orientation."""
    fmt = frame.format.name
    if fmt.startswith(("gbr", "rgb", "bgr", "argb", "abgr", "rgba", "bgra", "pal8", "gray")):
        return np.ascontiguousarray(frame.to_ndarray(format="rgb48le"))
    full = int(frame.color_range) == 2 or fmt.startswith("yuvj")
    space = name_of(SPACES, frame.colorspace)
    return np.ascontiguousarray(frame.to_ndarray(
        format="rgb48le", src_colorspace=sws_matrix(space, frame.height),
        src_color_range=ColorRange.JPEG if full else ColorRange.MPEG))


def hdr_metadata(frame: av.VideoFrame) -> dict | None:
    """HDR10 static metadata of a decoded frame, or None: ``master_display`` in x265's notation
    (``G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min)``, chromaticity in 0.00002 units, luminance in 0.0001
    cd/m2) and ``max_cll`` (``"MaxCLL,MaxFALL"`` in cd/m2), from the frame's side data."""
    import struct

    out: dict = {}
    for sd in frame.side_data:
        kind = str(sd.type).rsplit(".", 1)[-1]
        raw = bytes(memoryview(sd))
        if kind == "MASTERING_DISPLAY_METADATA" and len(raw) >= 88:
            v = struct.unpack("<20i2i", raw[:88])
            rat = [(v[2 * k], v[2 * k + 1]) for k in range(10)]

            def q(r, unit):
                return int(round(r[0] / r[1] / unit)) if r[1] else 0

            (rx, ry, gx, gy, bx, by, wx, wy, lmin, lmax) = rat
            if v[20]:
                c = 0.00002
                out["master_display"] = (f"G({q(gx, c)},{q(gy, c)})B({q(bx, c)},{q(by, c)})R({q(rx, c)},{q(ry, c)})"
                                         f"WP({q(wx, c)},{q(wy, c)})L({q(lmax, 0.0001)},{q(lmin, 0.0001)})")
        elif kind == "CONTENT_LIGHT_LEVEL" and len(raw) >= 8:
            cll, fall = struct.unpack("<2I", raw[:8])
            out["max_cll"] = f"{cll},{fall}"
    return out or None
