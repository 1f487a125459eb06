"""``vanish project new|check|relink``: create and validate ``NAME.vanish`` project folders."""

from __future__ import annotations

from ..masks import DEFAULT_THRESHOLD
from ..project import Project, check_project


def _new(args) -> int:
    proj = Project.create(args.out, args.video, masks=args.masks, threshold=args.threshold)
    layers = ", ".join(layer.name for layer in proj.layers) or "no masks yet"
    print(f"created {proj.folder} for {proj.video_path} "
          f"({proj.size[0]}x{proj.size[1]}, {proj.frame_count} frames; {layers})")
    return 0


def _check(args) -> int:
    problems = check_project(args.project)
    if problems:
        for p in problems:
            print(f"problem: {p}")
        return 2
    proj = Project.load(args.project)
    print(f"OK: {proj.folder} — video {proj.video_path} ({proj.size[0]}x{proj.size[1]}, "
          f"{proj.frame_count} frames), {len(proj.layers)} layer(s), engine {proj.settings.engine}")
    return 0


def _relink(args) -> int:
    proj = Project.load(args.project, verify_video=False)
    proj.relink(args.video)
    proj.save()
    print(f"{proj.folder} now uses {proj.video_path}")
    return 0


def register(sub) -> None:
    p = sub.add_parser("project", help="create or check a project (NAME.vanish folder)")
    psub = p.add_subparsers(dest="project_command", metavar="ACTION", required=True)

    new = psub.add_parser("new", help="create a project for a video")
    new.add_argument("video")
    new.add_argument("--masks", help="mask image or folder to start from (becomes the first layer)")
    new.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD,
                     help="luminance threshold for greyscale/RGB masks (default %(default)s)")
    new.add_argument("--out", required=True, help="project folder NAME.vanish")
    new.set_defaults(func=_new)

    chk = psub.add_parser("check", help="say what is wrong with a project (exit 2), or OK")
    chk.add_argument("project")
    chk.set_defaults(func=_check)

    rel = psub.add_parser("relink", help="point a project at its moved or replaced video")
    rel.add_argument("project")
    rel.add_argument("video")
    rel.set_defaults(func=_relink)
