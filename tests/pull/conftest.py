"""Fixtures for the pull connectors: a moto S3 server on loopback, CUR uploads, an HTTP replayer."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter

RECORDINGS = Path(__file__).parent / "recordings"


def recording(name: str) -> Any:
    """A recorded JSON response body from ``tests/pull/recordings``."""
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------------
# HTTP replay for the Google and Azure SDKs: a requests adapter that serves recorded responses
# --------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    """One recorded HTTP response."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Route:
    """Requests matching ``method`` and ``pattern`` (regex searched in the URL) get ``replies`` in turn."""

    method: str
    pattern: str
    replies: list[Reply]
    hits: int = 0


class ReplayAdapter(BaseAdapter):
    """A ``requests`` transport adapter that never touches the network.

    Each request is matched against the routes in order; the first match serves its next recorded reply
    (the last one repeats). Every request is kept in ``requests`` for assertions; an unmatched request is
    an error that names the URL.
    """

    def __init__(self, routes: list[Route]) -> None:
        super().__init__()
        self.routes = routes
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append(request)
        url = str(request.url)
        for route in self.routes:
            if route.method == request.method and re.search(route.pattern, url):
                reply = route.replies[min(route.hits, len(route.replies) - 1)]
                route.hits += 1
                data = json.dumps(reply.body).encode()
                headers = {"Content-Type": "application/json; charset=UTF-8", **reply.headers}
                resp = requests.Response()
                resp.status_code = reply.status
                resp.request = request
                resp.url = url
                resp.reason = "OK" if reply.status < 400 else "Error"
                resp.headers.update(headers)
                # a urllib3 response as ``raw``, like HTTPAdapter builds (azure-core reads its attributes)
                resp.raw = urllib3.HTTPResponse(
                    body=io.BytesIO(data), headers=headers, status=reply.status, preload_content=False
                )
                resp._content = data
                return resp
        raise AssertionError(f"unexpected request {request.method} {url}")

    def close(self) -> None:
        pass


@pytest.fixture
def replay() -> Callable[[list[Route]], ReplayAdapter]:
    """Build a :class:`ReplayAdapter` from routes."""
    return ReplayAdapter


# --------------------------------------------------------------------------------------------------
# AWS: moto's S3 server as a real HTTP server on 127.0.0.1
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """Endpoint URL of a moto server (HTTP, loopback, free port) shared by the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials through the standard environment variables; no shared config files."""
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ROLE_ARN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def s3(moto_server: str, aws_env: None) -> Any:
    """A boto3 S3 client pointed at the moto server."""
    import boto3

    return boto3.session.Session().client("s3", endpoint_url=moto_server, region_name="us-east-1")


@pytest.fixture
def bucket(s3: Any) -> str:
    """A fresh, empty bucket (unique per test: the server is shared)."""
    name = f"cur-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def upload_delivery(s3: Any, bucket: str, generated: Path, prefix: str) -> list[str]:
    """Upload a generated CUR folder under ``prefix`` as AWS would deliver it; returns the keys.

    The generator writes manifest keys relative to its output folder; AWS writes full keys (with the
    report prefix) and ``s3://<bucket>/...`` URIs, so the manifests are rewritten on the way up.
    """
    keys: list[str] = []
    for path in sorted(p for p in generated.rglob("*") if p.is_file()):
        key = f"{prefix}/{path.relative_to(generated).as_posix()}"
        data = path.read_bytes()
        if path.name.endswith("Manifest.json"):
            doc = json.loads(data)
            doc["bucket"] = bucket
            doc["reportKeys"] = [f"{prefix}/{k}" for k in doc.get("reportKeys", [])]
            if "dataFiles" in doc:
                doc["dataFiles"] = [
                    re.sub(r"^s3://[^/]+/", f"s3://{bucket}/{prefix}/", u) for u in doc["dataFiles"]
                ]
            data = (json.dumps(doc, indent=2) + "\n").encode()
        s3.put_object(Bucket=bucket, Key=key, Body=data)
        keys.append(key)
    return keys


def local_keys(dest: Path) -> set[str]:
    """Files under ``dest`` as S3-style keys."""
    return {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------------------------------
# A real HTTP server on 127.0.0.1 that serves recorded JSON (for botocore's own HTTP layer)
# --------------------------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request the loopback server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class JsonRoute:
    """POST/GET to ``path`` whose JSON body passes ``when`` gets ``replies`` in turn (the last repeats)."""

    method: str
    path: str
    replies: list[Reply]
    when: Callable[[Any], bool] = lambda body: True
    hits: int = 0


class LoopbackServer:
    """``http.server`` on a free loopback port, serving :class:`JsonRoute` replies; keeps every request."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.routes: list[JsonRoute] = []
        self.seen: list[Seen] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, dict(self.headers.items()), body)
                server.seen.append(seen)
                for route in server.routes:
                    if route.method == self.command and self.path.split("?")[0] == route.path:
                        try:
                            doc = seen.json()
                        except ValueError:
                            doc = None
                        if not route.when(doc):
                            continue
                        reply = route.replies[min(route.hits, len(route.replies) - 1)]
                        route.hits += 1
                        data = json.dumps(reply.body).encode()
                        self.send_response(reply.status)
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(data)))
                        for k, v in reply.headers.items():
                            self.send_header(k, v)
                        self.end_headers()
                        self.wfile.write(data)
                        return
                self.send_response(599)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A :class:`LoopbackServer` for one test."""
    server = LoopbackServer()
    try:
        yield server
    finally:
        server.close()
