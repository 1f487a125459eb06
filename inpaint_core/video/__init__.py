"""Video I/O with PyAV: probing, frame-accurate reading, encoding with audio, shot detection.

Public API: :func:`probe`, :class:`VideoInfo`, :class:`AudioInfo`, :class:`VideoReader`,
:class:`VideoWriter`, :func:`output_format`, and :func:`inpaint_core.video.shots.detect_shots`.
"""

from .formats import OutputFormat, output_format
from .info import AudioInfo, ColorInfo, VideoInfo
from .probe import probe
from .reader import VideoReader
from .writer import VideoWriter

__all__ = ["AudioInfo", "ColorInfo", "OutputFormat", "VideoInfo", "VideoReader", "VideoWriter", "output_format",
           "probe"]
