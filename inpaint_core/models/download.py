"""Verified, resumable downloads into the model store.

A download streams into ``.<file>.part`` beside its final place. When it is interrupted, the next
attempt (an automatic retry, or the same command run again) asks the server for the rest with an
HTTP ``Range`` request (guarded by ``If-Range`` with the ETag or Last-Modified seen first); a server
that ignores the range makes it start over. A complete file is verified (size, sha256 or its
published prefix, structure) and only then renamed to its final name; a file that fails is removed.

Google Drive serves large files only after a confirmation page ("can't scan this file for viruses");
the page's form (or, in its older form, a ``confirm=`` link or a ``download_warning`` cookie) gives the
URL of the file itself.

Network errors fail fast (short connect timeout, no retries for an unreachable host) with a message
that names the manual route: ``vanish models import NAME FILE`` and where to get the file.
"""

from __future__ import annotations

import errno
import html
import http.client
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

from .. import __version__
from ..errors import ModelError
from ..jobs import NEVER_CANCELLED, CancelToken, Progress, run_job
from .registry import ModelSpec, get_spec
from .store import installed_path, models_dir, part_meta_path, part_path, place
from .verify import verify_job

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
_CHUNK = 1 << 20


class _Interrupted(Exception):
    """The body stopped before its end; the partial file is kept for a ranged retry."""


class _FormParser(HTMLParser):
    """Collects forms (action + hidden inputs) and link targets of a confirmation page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), []))
        elif tag == "input" and self.forms and a.get("name"):
            if a.get("type", "text").lower() in ("hidden", "text"):
                self.forms[-1][1].append((a["name"], a.get("value", "")))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])


def gdrive_confirm_url(page: str, page_url: str, cookies: CookieJar) -> str | None:
    """The URL that actually serves the file, from a Google Drive confirmation ``page`` fetched
    from ``page_url``; None when the page offers no way on (quota exceeded, no access)."""
    parser = _FormParser()
    parser.feed(page)
    for action, fields in parser.forms:
        names = {k for k, _ in fields}
        if "id" in names and ("confirm" in names or "download" in action):
            target = urllib.parse.urljoin(page_url, action or page_url)
            return target + ("&" if "?" in target else "?") + urllib.parse.urlencode(fields)
    for href in parser.links:
        if "confirm=" in href:
            return urllib.parse.urljoin(page_url, html.unescape(href))
    token = next((c.value for c in cookies if c.name.startswith("download_warning")), None)
    if token is None:
        m = re.search(r"confirm=([0-9A-Za-z_-]+)", page)
        token = m.group(1) if m else None
    if token is None:
        return None
    parts = urllib.parse.urlsplit(page_url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "confirm"]
    query.append(("confirm", token))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def _why(reason: Any, timeout: float) -> str:
    """A short human reason for a failed connection."""
    if isinstance(reason, socket.gaierror):
        return "its name could not be looked up: no internet connection or no DNS"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "no route to the host: no internet connection"
    return str(reason)


def _is_html(resp: Any) -> bool:
    return resp.headers.get("Content-Type", "").split(";")[0].strip().lower() == "text/html"


def _set_read_timeout(resp: Any, seconds: float) -> None:
    # the connect timeout is short; a slow but live transfer gets longer between packets
    sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(seconds)


class _Downloader:
    def __init__(self, spec: ModelSpec, url: str, cancel: CancelToken, timeout: float,
                 read_timeout: float) -> None:
        self.spec, self.url, self.cancel = spec, url, cancel
        self.timeout, self.read_timeout = timeout, read_timeout
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.addheaders = [("User-Agent", f"vanish/{__version__}")]
        self.dest = models_dir() / spec.file_name
        self.part = part_path(self.dest)
        self.meta_path = part_meta_path(self.dest)

    def fail(self, what: str) -> ModelError:
        return ModelError(f"Could not download {self.spec.name}: {what}. {self.spec.import_hint()}")

    def open(self, url: str, headers: dict[str, str]) -> Any:
        req = urllib.request.Request(url, headers=headers)
        host = urllib.parse.urlsplit(url).netloc
        try:
            resp = self.opener.open(req, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 416:
                return exc
            raise self.fail(f"the server answered HTTP {exc.code} {exc.reason} for {url}") from None
        except urllib.error.URLError as exc:
            raise self.fail(f"cannot reach {host} ({_why(exc.reason, self.timeout)}); check the "
                            "internet connection") from None
        except TimeoutError:
            raise self.fail(f"{host} did not answer within {self.timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise self.fail(f"the connection to {host} failed ({exc})") from None
        _set_read_timeout(resp, self.read_timeout)
        return resp

    def load_meta(self) -> dict[str, Any]:
        try:
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict) or meta.get("url") != self.url:
            self.part.unlink(missing_ok=True)  # a partial file from elsewhere cannot be continued
            return {"url": self.url}
        return meta

    def restart(self) -> None:
        self.part.unlink(missing_ok=True)
        self.meta_path.unlink(missing_ok=True)

    def fetch(self) -> Generator[Progress, None, int | None]:
        """One attempt: continue or start the body into the part file. Returns the total size."""
        meta = self.load_meta()
        have = self.part.stat().st_size if self.part.exists() else 0
        headers = {}
        if have:
            headers["Range"] = f"bytes={have}-"
            validator = meta.get("etag") or meta.get("last_modified")
            if validator:
                headers["If-Range"] = validator
        resp = self.open(self.url, headers)
        if not isinstance(resp, urllib.error.HTTPError) and _is_html(resp):
            page_url = resp.geturl()
            try:
                page = resp.read(2 << 20).decode("utf-8", "replace")
            except (OSError, http.client.HTTPException) as exc:
                raise _Interrupted(f"the connection broke while reading {page_url} ({exc})") from None
            finally:
                resp.close()
            target = gdrive_confirm_url(page, page_url, self.cookies) if self.spec.gdrive_id else None
            if target is None:
                why = (" (Google Drive does this when its download quota is exceeded or the file "
                       "needs a signed-in browser)") if self.spec.gdrive_id else ""
                raise self.fail(f"{page_url} returned a web page instead of the file{why}")
            resp = self.open(target, headers)
            if not isinstance(resp, urllib.error.HTTPError) and _is_html(resp):
                resp.close()
                raise self.fail("Google Drive asked for confirmation again instead of sending the file")
        if isinstance(resp, urllib.error.HTTPError):  # 416: nothing left to send, or a stale part
            resp.close()
            if have and meta.get("total") == have:
                return have
            self.restart()
            raise _Interrupted("the server refused to continue the partial download")
        with resp:
            if resp.status == 206:
                m = re.match(r"bytes (\d+)-(\d+)/(\d+|\*)", resp.headers.get("Content-Range", ""))
                if not m or int(m.group(1)) != have:
                    self.restart()
                    raise _Interrupted("the server sent a different range than asked for")
                total = int(m.group(3)) if m.group(3) != "*" else None
                mode = "ab"
            else:
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                have, mode = 0, "wb"
            meta.update(etag=resp.headers.get("ETag"), last_modified=resp.headers.get("Last-Modified"),
                        total=total)
            self.meta_path.write_text(json.dumps(meta), encoding="utf-8")
            stage = f"downloading {self.spec.name}"
            yield Progress(have, total or 0, stage)
            with self.part.open(mode) as out:
                while True:
                    self.cancel.raise_if_cancelled()
                    try:
                        chunk = resp.read(_CHUNK)
                    except (http.client.IncompleteRead, OSError, http.client.HTTPException) as exc:
                        raise _Interrupted(f"the connection broke after {have} bytes ({exc})") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    have += len(chunk)
                    yield Progress(have, total or 0, stage)
        if total is not None and have != total:
            if have > total:
                self.restart()
            raise _Interrupted(f"the server sent {have} of {total} bytes")
        return total


@contextmanager
def _only_download(spec: ModelSpec, dest: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``.<file>.lock`` so that two downloads of one model (say, the
    editor's and a terminal's) never write the same partial file. The lock file is removed when
    the job ends (after re-checking, on acquiring, that the locked file is still the one in place)."""
    lock = dest.with_name(f".{dest.name}.lock")
    while True:
        try:
            fh = lock.open("a+b")
        except OSError as exc:
            raise ModelError(f"Cannot write into the model folder {dest.parent}: "
                             f"{exc.strerror or exc}. Set VANISH_MODELS_DIR to a writable folder.") from None
        try:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # Windows
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            fh.close()
            raise ModelError(f"Another download of {spec.name} is already running (in another "
                             "window or terminal); wait for it to finish.") from None
        try:
            current = lock.stat().st_ino
        except OSError:
            current = None
        if fcntl is None or current == os.fstat(fh.fileno()).st_ino:
            break
        fh.close()  # the holder before us removed it after we opened it: lock the new one
    try:
        yield
    finally:
        if fcntl is not None:
            lock.unlink(missing_ok=True)
        fh.close()


def download_job(name: str, *, url: str | None = None, cancel: CancelToken = NEVER_CANCELLED,
                 retries: int = 2, timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 force: bool = False) -> Generator[Progress, None, Path]:
    """Download, verify and install model ``name``; yields byte :class:`Progress` (``done`` and
    ``total`` in bytes; ``total`` 0 when unknown), returns the installed path.

    ``url`` overrides the registry (see :meth:`ModelSpec.url`). An interrupted transfer is
    resumed up to ``retries`` times within this call, and again by a later call. Cancelling keeps
    the partial file for a later resume. Raises :class:`ModelError` with the manual import route.
    """
    spec = get_spec(name)
    if not force and installed_path(name) is not None:
        return installed_path(name)
    src = spec.url(url)
    try:
        models_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create the model folder {models_dir()}: {exc.strerror or exc}. "
                         "Set VANISH_MODELS_DIR to a writable folder.") from exc
    dl = _Downloader(spec, src, cancel, timeout, read_timeout)
    with _only_download(spec, dl.dest):
        return (yield from _download_locked(dl, retries))


def _download_locked(dl: _Downloader, retries: int) -> Generator[Progress, None, Path]:
    spec, name, cancel, src = dl.spec, dl.spec.name, dl.cancel, dl.url
    attempt = 0
    while True:
        try:
            total = yield from dl.fetch()
            break
        except OSError as exc:  # the network errors became ModelError/_Interrupted: this is the disk
            raise ModelError(f"Cannot write the download of {name} into {models_dir()}: "
                             f"{exc.strerror or exc}. Free some space or set VANISH_MODELS_DIR to "
                             "another folder, then run the same command again (it resumes).") from None
        except _Interrupted as exc:
            if attempt >= retries:
                raise ModelError(f"The download of {name} was interrupted: {exc}. Run the same "
                                 f"command again to resume it. {spec.import_hint()}") from None
            attempt += 1
            time.sleep(min(2.0, 0.25 * attempt))
    try:
        info = yield from verify_job(spec, dl.part, cancel, expected_size=total)
    except ModelError as exc:
        dl.restart()
        raise ModelError(f"The downloaded {name} failed verification and was removed: {exc} "
                         f"{spec.import_hint()}") from None
    path = place(spec, dl.part, info, f"downloaded from {src}")
    dl.meta_path.unlink(missing_ok=True)
    return path


def download(name: str, *, progress: Callable[[Any], None] | None = None,
             cancel: CancelToken | None = None, **options: Any) -> Path:
    """:func:`download_job` driven to the end, with ``progress`` called for each event."""
    return run_job(download_job(name, cancel=cancel or NEVER_CANCELLED, **options), progress, cancel)

