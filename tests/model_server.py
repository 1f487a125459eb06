"""A local HTTP server on 127.0.0.1 for the model manager's tests (started by the tests; serves
bytes they create). It can cut a response mid-body, ignore ``Range``, answer with an error status,
and imitate Google Drive's confirmation page for large files."""

from __future__ import annotations

import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIRM_PAGE = """<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head>
<body><div class="uc-main"><p class="uc-warning-caption">Google Drive can't scan this file for
viruses.</p><p class="uc-warning-subcaption"><span class="uc-name-size"><a href="/open?id={id}">
sttn.pth</a> (66M)</span> is too large for Google to scan for viruses. Would you still like to
download this file?</p><form id="download-form" action="{action}" method="get">
<input type="submit" id="uc-download-link" class="goog-inline-block jfk-button" value="Download anyway"/>
<input type="hidden" name="id" value="{id}"><input type="hidden" name="export" value="download">
<input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="{uuid}">
</form></div></body></html>"""

OLD_CONFIRM_PAGE = """<html><body><p>Google Drive can't scan this file for viruses.</p>
<a id="uc-download-link" href="/uc?export=download&amp;confirm={token}&amp;id={id}">Download anyway</a>
</body></html>"""


@dataclass
class Behaviour:
    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes sent before cutting (once)
    honour_range: bool = True
    status: dict[str, int] = field(default_factory=dict)  # path -> error status to answer with
    gdrive: dict[str, bytes] = field(default_factory=dict)  # drive id -> file behind a confirm page
    gdrive_style: str = "form"  # "form" (current), "link" (older: link + cookie), "blocked"
    uuid: str = "5f1c-0e1d"
    token: str = "Xk4q"
    log: list[tuple[str, str | None]] = field(default_factory=list)  # (path+query, Range header)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send_page(self, text: str, cookie: str | None = None) -> None:
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def _send_bytes(self, key: str, data: bytes) -> None:
        b = self.server.behaviour
        rng = self.headers.get("Range")
        m = re.match(r"bytes=(\d+)-$", rng or "")
        if m and b.honour_range:
            start = int(m.group(1))
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            body = data[start:]
        else:
            self.send_response(200)
            body = data
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        cut = b.cut_after.pop(key, None)
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()

    def do_GET(self) -> None:
        b = self.server.behaviour
        b.log.append((self.path, self.headers.get("Range")))
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path in b.status:
            self.send_error(b.status[url.path], "Internal Server Error")
            return
        if url.path in b.files:
            self._send_bytes(url.path, b.files[url.path])
            return
        if url.path in ("/uc", "/download") and q.get("id") in b.gdrive:
            self._gdrive(url.path, q)
            return
        self.send_error(404)

    def _gdrive(self, path: str, q: dict[str, str]) -> None:
        b = self.server.behaviour
        fid = q["id"]
        if b.gdrive_style == "form":
            if path == "/download" and q.get("confirm") == "t" and q.get("uuid") == b.uuid:
                self._send_bytes(fid, b.gdrive[fid])
            else:
                self._send_page(CONFIRM_PAGE.format(id=fid, uuid=b.uuid, action="/download"))
        elif b.gdrive_style == "link":
            cookie_ok = f"download_warning_1_{fid}={b.token}" in (self.headers.get("Cookie") or "")
            if q.get("confirm") == b.token and cookie_ok:
                self._send_bytes(fid, b.gdrive[fid])
            else:
                self._send_page(OLD_CONFIRM_PAGE.format(id=fid, token=b.token),
                                cookie=f"download_warning_1_{fid}={b.token}; Path=/")
        else:
            self._send_page("<html><body><p>Too many users have viewed or downloaded this file "
                            "recently.</p></body></html>")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour


class LocalServer:
    """Context manager: ``with LocalServer() as srv: srv.url('/f.bin')``."""

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self._srv = _Server(self.behaviour)
        self._thread = threading.Thread(target=self._srv.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._srv.server_address[1]}{path}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._srv.shutdown()
        self._srv.server_close()
