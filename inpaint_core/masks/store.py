"""Layers <-> JSON plus PNG files in a folder (the ``masks/`` folder of a project).

Bitmaps are stored as 1-bit PNGs (0/255 when read as greyscale) named by their content (:func:`mask_digest`), so a
save only writes masks that changed, identical masks share one file, and a project.json written
atomically never refers to a file that does not exist yet. Files no longer referenced are removed
after the JSON is in place (:func:`remove_unreferenced`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from ..errors import MaskError
from .io import read_mask_image, write_mask_image
from .layers import Layer, PaintedLayer, ShapeLayer, Size, check_refinement, mask_digest, next_color


def _store_bitmap(mask, masks_dir: Path, rel: str, digest: str | None = None) -> str:
    """Write ``mask`` (an array, or a callable giving it) as ``<digest>.png`` unless present."""
    if digest is None:
        mask = mask() if callable(mask) else mask
        digest = mask_digest(mask)
    name = f"{digest}.png"
    path = masks_dir / name
    if not path.exists():
        write_mask_image(path, mask() if callable(mask) else mask, bilevel=True)
    return f"{rel}/{name}"


def layer_to_json(layer: Layer, masks_dir: Path, rel: str = "masks") -> dict[str, Any]:
    """Serialise ``layer``; bitmaps are written into ``masks_dir`` (named ``rel/<digest>.png``)."""
    d: dict[str, Any] = {"id": layer.id, "kind": layer.kind, "name": layer.name,
                         "visible": layer.visible, "dilation": layer.dilation}
    if isinstance(layer, PaintedLayer):
        frames = {}
        for i in layer.frames:
            src = layer.source_file(i)
            if src is not None and src.parent.resolve() == masks_dir.resolve() and src.exists():
                frames[str(i)] = f"{rel}/{src.name}"
                continue
            digest = layer.digest(i)  # decodes a frame still in another folder's file
            if i in layer:  # (which may have turned out empty)
                frames[str(i)] = _store_bitmap(lambda i=i: layer.mask(i), masks_dir, rel, digest)
        d["frames"] = frames
    elif isinstance(layer, ShapeLayer):
        d.update(shape=layer.shape, start=layer.start, stop=layer.stop)
        if layer.shape == "rect":
            d["rect"] = list(layer.rect)
        elif layer.shape == "polygon":
            d["points"] = [list(p) for p in layer.points]
        else:
            d["file"] = _store_bitmap(layer.bitmap, masks_dir, rel)
        if layer.keys:  # absent when stationary, so older projects round-trip unchanged
            d["keys"] = {str(f): [list(p) for p in pts] for f, pts in layer.keys.items()}
    else:
        raise MaskError(f"Cannot save a layer of kind {layer.kind!r}.")
    return d


def refinement_to_json(layers: list[Layer], entries: list[dict[str, Any]]) -> None:
    """Add each layer's refinement fields to its saved entry, only those that differ from the
    defaults (so a project without them saves as before, byte for byte). ``color`` is written
    only when it is not the one loading would assign anyway (see :func:`refinement_from_json`)."""
    used: list[int | None] = []
    for layer, d in zip(layers, entries):
        if layer.mode != "add":
            d["mode"] = layer.mode
        if layer.feather:
            d["feather"] = float(layer.feather)
        if layer.smooth:
            d["smooth"] = int(layer.smooth)
        if layer.color is not None and layer.color != next_color(used):
            d["color"] = int(layer.color)
        used.append(layer.color if layer.color is not None else next_color(used))


def refinement_from_json(layer: Layer, d: dict[str, Any], used: list[int | None]) -> None:
    """Set ``layer``'s refinement from its saved entry ``d`` (missing fields: the defaults; a layer
    without ``color`` gets the lowest palette index not taken by the layers before it, ``used``).
    Invalid values raise ``ValueError``."""
    what = f"Layer {layer.name!r}"
    for attr, default in (("mode", "add"), ("feather", 0.0), ("smooth", 0)):
        value = d.get(attr, default)
        try:
            check_refinement(attr, value)
        except MaskError as exc:
            raise ValueError(f"{what}: {exc}") from exc
        setattr(layer, attr, float(value) if attr == "feather" else value)
    color = d.get("color")
    if color is None:
        color = next_color(used)
    else:
        try:
            check_refinement("color", color)
        except MaskError as exc:
            raise ValueError(f"{what}: {exc}") from exc
    layer.color = int(color)
    used.append(layer.color)


def image_size(path: Path) -> Size:
    """(width, height) of an image, reading only its header."""
    with Image.open(path) as im:
        return im.size


def _file(root: Path, rel: Any, size: Size, what: str, problems: list[str]) -> Path | None:
    if not isinstance(rel, str) or not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        problems.append(f"{what}: invalid mask file reference {rel!r}.")
        return None
    path = root / rel
    if not path.is_file():
        problems.append(f"{what}: mask file {rel} is missing.")
        return None
    try:
        got = image_size(path)
    except (UnidentifiedImageError, OSError) as exc:
        problems.append(f"{what}: mask file {rel} is not a readable image ({exc}).")
        return None
    if tuple(got) != tuple(size):
        problems.append(f"{what}: mask file {rel} is {got[0]}x{got[1]} but the video is "
                        f"{size[0]}x{size[1]}.")
        return None
    return path


def _expect(d: dict, key: str, types, what: str) -> Any:
    v = d.get(key)
    if not isinstance(v, types) or (isinstance(v, bool) and types is int):
        raise ValueError(f"{what}: field {key!r} is missing or has the wrong type")
    return d[key]


def layer_from_json(d: Any, size: Size, root: Path, frame_count: int | None,
                    problems: list[str]) -> Layer | None:
    """Rebuild a layer saved by :func:`layer_to_json`. Mask files are resolved against ``root``
    (the project folder) and checked by header only (painted frames are decoded lazily).

    Structural errors raise ``ValueError``; problems with mask files (missing, unreadable, wrong
    size, frame out of range) are appended to ``problems`` and the layer is still returned when
    it can be built.
    """
    if not isinstance(d, dict):
        raise ValueError("a layer entry is not an object")
    kind = _expect(d, "kind", str, "layer")
    name = _expect(d, "name", str, f"{kind} layer")
    what = f"Layer {name!r}"
    common = dict(name=name, visible=bool(d.get("visible", True)),
                  dilation=int(_expect(d, "dilation", int, what)),
                  id=str(_expect(d, "id", str, what)))
    try:
        if kind == "painted":
            layer = PaintedLayer(size, **common)
            frames = _expect(d, "frames", dict, what)
            for key, rel in frames.items():
                if not str(key).isdigit():
                    raise ValueError(f"{what}: frame key {key!r} is not a frame number")
                i = int(key)
                if frame_count is not None and i >= frame_count:
                    problems.append(f"{what}: a mask for frame {i} but the video has "
                                    f"{frame_count} frames.")
                    continue
                path = _file(root, rel, size, f"{what}, frame {i}", problems)
                if path is not None:
                    layer.set_file(i, path)
            return layer
        if kind == "shape":
            shape = _expect(d, "shape", str, what)
            start = int(_expect(d, "start", int, what))
            stop = d.get("stop")
            if stop is not None and not isinstance(stop, int):
                raise ValueError(f"{what}: field 'stop' must be a frame number or null")
            if frame_count is not None and (start >= frame_count or (stop is not None and stop > frame_count)):
                problems.append(f"{what}: its frames {start}..{'end' if stop is None else stop} reach past the "
                                f"end of the clip ({frame_count} frames, 0..{frame_count - 1}).")
            keys = d.get("keys") or {}
            if not isinstance(keys, dict) or not all(str(k).isdigit() for k in keys):
                raise ValueError(f"{what}: field 'keys' must map frame numbers to points")
            kw = dict(start=start, stop=stop, keys={int(k): v for k, v in keys.items()}, **common)
            if shape == "rect":
                return ShapeLayer(size, "rect", rect=_expect(d, "rect", list, what), **kw)
            if shape == "polygon":
                return ShapeLayer(size, "polygon", points=_expect(d, "points", list, what), **kw)
            if shape == "bitmap":
                path = _file(root, d.get("file"), size, what, problems)
                if path is None:
                    return None
                return ShapeLayer(size, "bitmap", bitmap=read_mask_image(path), **kw)
            raise ValueError(f"{what}: unknown shape {shape!r}")
    except MaskError as exc:
        raise ValueError(str(exc)) from exc
    except TypeError as exc:
        raise ValueError(f"{what}: {exc}") from exc
    raise ValueError(f"{what}: unknown layer kind {kind!r}")


def remove_unreferenced(masks_dir: Path, keep: set[str]) -> int:
    """Delete PNGs (and stale temp files) in ``masks_dir`` whose names are not in ``keep``."""
    n = 0
    if not masks_dir.is_dir():
        return 0
    for p in masks_dir.iterdir():
        if p.is_file() and p.name not in keep and (p.suffix == ".png" or p.name.endswith(".tmp")):
            p.unlink(missing_ok=True)
            n += 1
    return n
