"""``vanish models list|download|import|remove``: the model store from the command line."""

from __future__ import annotations

import math
from typing import Any

from ..jobs import Progress
from .progress import ProgressPrinter

_MIB = 1 << 20


def _human(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


class _MiBPrinter:
    """Feeds byte progress to :class:`ProgressPrinter` in MiB, one bar per stage."""

    def __init__(self) -> None:
        self.bar = ProgressPrinter(unit="MiB")

    def __call__(self, event: Any) -> None:
        if isinstance(event, Progress):
            total = math.ceil(event.total / _MIB) if event.total else 0
            self.bar(Progress(event.done // _MIB if event.total else 0, total, event.stage))

    def close(self) -> None:
        self.bar.close()


def _list(args) -> int:
    from .. import models

    print(f"model store: {models.models_dir()}")
    rows = []
    for name in models.MODELS:
        st = models.status(name)
        if st.state == "installed":
            state, size, where = "installed", _human(st.size), str(st.path)
        elif st.state == "partial":
            state, size, where = "partial download", _human(st.size), "(run download again to resume)"
        elif st.state == "unverified":
            state, size, where = "unverified file", _human(st.size), f"(re-import it) {st.path}"
        else:
            state, size, where = "not installed", st.spec.approx_size or "-", ""
        rows.append((name, state, size, where))
    widths = [max(len(r[i]) for r in rows + [("NAME", "STATUS", "SIZE", "")]) for i in range(3)]
    print(f"{'NAME':<{widths[0]}}  {'STATUS':<{widths[1]}}  {'SIZE':<{widths[2]}}  PATH")
    for r in rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip())
    if args.verbose:
        for spec in models.MODELS.values():
            print(f"\n{spec.name}: {spec.title}\n  file: {spec.file_name}\n  from: {spec.url()}"
                  f"\n  licence: {spec.licence}\n  by hand: {spec.import_hint()}")
    return 0


def _download(args) -> int:
    from .. import models

    spec = models.get_spec(args.name)
    if not args.force and models.is_installed(args.name):
        print(f"{args.name} is already installed: {models.installed_path(args.name)}")
        return 0
    print(f"{spec.title} ({spec.approx_size or 'size unknown'}) - {spec.licence}")
    show = _MiBPrinter()
    try:
        path = models.download(args.name, url=args.url, progress=show, force=args.force,
                               timeout=args.timeout)
    finally:
        show.close()
    print(f"installed {args.name}: {path} ({_human(path.stat().st_size)}, verified)")
    return 0


def _import(args) -> int:
    from .. import models

    show = _MiBPrinter()
    try:
        path = models.import_model(args.name, args.file, progress=show)
    finally:
        show.close()
    print(f"installed {args.name}: {path} ({_human(path.stat().st_size)}, verified)")
    return 0


def _remove(args) -> int:
    from .. import models

    models.get_spec(args.name)
    if models.remove(args.name):
        print(f"removed {args.name} from {models.models_dir()}")
    else:
        print(f"{args.name} was not installed")
    return 0


def register(sub) -> None:
    p = sub.add_parser("models", help="list, download, import or remove model checkpoints",
                       description="Checkpoints live in a per-user folder (VANISH_MODELS_DIR "
                                   "overrides it). Every file is verified before it is used.")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    ls = msub.add_parser("list", help="installed models, sizes and paths")
    ls.add_argument("-v", "--verbose", action="store_true", help="also show sources and licences")
    ls.set_defaults(func=_list)

    dl = msub.add_parser("download", help="download and verify a model (resumes a partial download)")
    dl.add_argument("name")
    dl.add_argument("--url", help="download from this URL (a mirror) instead of the official one")
    dl.add_argument("--force", action="store_true", help="download again even if installed")
    dl.add_argument("--timeout", type=float, default=10.0,
                    help="seconds to wait for the server before giving up (default %(default)s)")
    dl.set_defaults(func=_download)

    im = msub.add_parser("import", help="install a checkpoint from a local file or folder")
    im.add_argument("name")
    im.add_argument("file", help="the checkpoint file (or a folder holding it)")
    im.set_defaults(func=_import)

    rm = msub.add_parser("remove", help="delete an installed model")
    rm.add_argument("name")
    rm.set_defaults(func=_remove)
