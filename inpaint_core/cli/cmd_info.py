"""``vanish info VIDEO [--json] [--no-shots]``: what Vanish sees in a video file."""

from __future__ import annotations

import json
import sys

from ..video import probe


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "info", help="describe a video: size, frame rate, frames, timing, audio, shots",
        description="Describe a video: size (after rotation), frame rate, time base, frame count, "
                    "duration, variable frame rate, colour, audio streams and shot boundaries.",
    )
    p.add_argument("video", help="the video file")
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.add_argument("--no-shots", action="store_true",
                   help="skip shot detection (it decodes every frame once)")
    p.set_defaults(func=run)


def run(args) -> int:
    info = probe(args.video, shots=not args.no_shots)
    from ..video.audiocheck import short_audio

    for short in short_audio(args.video):
        print(f"warning: {short.describe(args.video)}", file=sys.stderr)
    if args.json:
        print(json.dumps(info.to_json(), indent=2))
        return 0
    print(format_info(info))
    return 0


def _fmt_rate(f) -> str:
    return f"{float(f):.3f}".rstrip("0").rstrip(".") + (f" ({f.numerator}/{f.denominator})" if f.denominator != 1 else "")


def format_info(info) -> str:
    """Human-readable summary of a :class:`~inpaint_core.video.VideoInfo`."""
    rot = f", rotated {info.rotation}°" if info.rotation else ""
    sf = info.sample_format
    prof = f" ({info.profile})" if info.profile else ""
    lines = [
        f"File:        {info.path}",
        f"Video:       {info.codec}{prof}, {info.width}x{info.height}{rot}, {info.pix_fmt}"
        + (f", {info.bit_rate // 1000} kb/s" if info.bit_rate else ""),
        f"Samples:     {sf.bits}-bit, {'RGB' if sf.rgb else sf.chroma + ' chroma'}, "
        + ("with alpha" if sf.alpha else "no alpha"),
        f"Frames:      {info.frame_count} in {info.duration:.3f} s",
        f"Frame rate:  {_fmt_rate(info.fps)} fps average"
        + (", variable" if info.variable_frame_rate else ", constant")
        + (f" (nominal {_fmt_rate(info.rate)})" if info.rate != info.fps else ""),
        f"Time base:   {info.time_base.numerator}/{info.time_base.denominator}",
        f"Keyframes:   {info.keyframe_count}",
        "Colour:      " + ", ".join(f"{k} {v or 'unknown'}" for k, v in (
            ("range", info.color_range), ("matrix", info.color_space),
            ("primaries", info.color_primaries), ("transfer", info.color_trc))),
    ]
    hdr = {"arib-std-b67": "HLG", "smpte2084": "PQ (HDR10)"}.get(info.color_trc or "")
    if hdr:
        lines.append(f"HDR:         {hdr} transfer, {info.color_primaries or 'unknown'} primaries")
    for k, v in (info.hdr or {}).items():
        lines.append(f"HDR {k.replace('_', ' ')}: {v}")
    lines.append(f"Timecode:    {info.timecode or 'none'}")
    if info.audio:
        for a in info.audio:
            br = f", {a.bit_rate // 1000} kb/s" if a.bit_rate else ""
            lines.append(f"Audio #{a.index}:    {a.codec}, {a.sample_rate} Hz, {a.channels} ch, "
                         f"{a.duration:.3f} s{br}")
    else:
        lines.append("Audio:       none")
    for st in info.streams:
        extra = ", ".join(f"{k} {v}" for k, v in st.items() if k not in ("index", "type", "codec") and v)
        lines.append(f"Stream #{st['index']}:  {st['type']}, {st['codec'] or 'no codec'}" + (f", {extra}" if extra else ""))
    if info.shots is not None:
        shots = ", ".join(f"{a}-{b - 1}" for a, b in info.shots)
        lines.append(f"Shots:       {len(info.shots)} (frames {shots})")
    return "\n".join(lines)
