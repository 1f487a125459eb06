"""H.264/HEVC NAL-unit helpers for splicing: the parameter sets of an ``avcC``/``hvcC`` record and
the conversion of length-prefixed samples to Annex B."""

from __future__ import annotations

import struct


def avcc_parameter_sets(extradata: bytes | None) -> bytes | None:
    """The SPS and PPS of an ``avcC`` record as 4-byte length-prefixed NAL units, or None when the
    record is missing or does not use 4-byte lengths."""
    if not extradata or len(extradata) < 7 or extradata[0] != 1 or (extradata[4] & 3) != 3:
        return None
    out = b""
    pos = 5
    try:
        for count_mask in (0x1F, 0xFF):
            count = extradata[pos] & count_mask
            units, pos = _units(extradata, pos + 1, count)
            out += units
    except (IndexError, struct.error):
        return None
    return out or None


def hvcc_parameter_sets(extradata: bytes | None) -> bytes | None:
    """The VPS/SPS/PPS (and SEI) NAL units of an ``hvcC`` record as 4-byte length-prefixed NAL
    units, or None when the record is missing or does not use 4-byte lengths."""
    if not extradata or len(extradata) < 23 or extradata[0] != 1 or (extradata[21] & 3) != 3:
        return None
    out = b""
    pos = 23
    try:
        for _ in range(extradata[22]):
            count = struct.unpack(">H", extradata[pos + 1:pos + 3])[0]
            units, pos = _units(extradata, pos + 3, count)
            out += units
    except (IndexError, struct.error):
        return None
    return out or None


def _units(record: bytes, pos: int, count: int) -> tuple[bytes, int]:
    """``count`` 2-byte-length NAL units of a decoder configuration record from ``pos``, as 4-byte
    length-prefixed units, and the position after them."""
    out = b""
    for _ in range(count):
        n = struct.unpack(">H", record[pos:pos + 2])[0]
        out += struct.pack(">I", n) + record[pos + 2:pos + 2 + n]
        pos += 2 + n
    return out, pos


def annexb(data: bytes) -> bytes:
    """4-byte length-prefixed NAL units (MP4 ``avc1`` samples) -> Annex B (start codes), the form
    x264 writes and in which the MP4 muxer expects every packet of the stream."""
    out = bytearray()
    pos = 0
    n = len(data)
    while pos + 4 <= n:
        size = struct.unpack(">I", data[pos:pos + 4])[0]
        out += b"\x00\x00\x00\x01" + data[pos + 4:pos + 4 + size]
        pos += 4 + size
    return bytes(out)
