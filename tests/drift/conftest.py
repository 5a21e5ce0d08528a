"""Fixtures for drift and alerts: a Slack stand-in on 127.0.0.1, AWS credentials for moto, a lakehouse."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table

from icespec.catalogs import Settings, open_catalog
from icespec.spec import TableSpec, load_specs
from icespec.tables.apply import apply_specs


@dataclass
class CapturedRequest:
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class SlackStandIn:
    """Answers like Slack (webhook: `ok`; Web API: {"ok": true}) and records every request."""

    url: str
    requests: list[CapturedRequest] = field(default_factory=list)
    # Status codes to answer with before answering 200, e.g. [500] fails once.
    failures: list[int] = field(default_factory=list)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/services/T000/B000/XXXX"

    @property
    def api_base_url(self) -> str:
        return f"{self.url}/api/"

    def reset(self) -> None:
        self.requests.clear()
        self.failures.clear()


@pytest.fixture(scope="session")
def slack_server() -> Iterator[SlackStandIn]:
    state: SlackStandIn

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            if self.headers.get("Content-Type", "").startswith("application/json"):
                body = json.loads(raw)
            else:
                body = {k: v[0] for k, v in parse_qs(raw).items()}
            state.requests.append(CapturedRequest(self.path, dict(self.headers), body))
            status = state.failures.pop(0) if state.failures else 200
            api = self.path.startswith("/api/")
            if api and status == 200:
                if self.headers.get("Authorization") != "Bearer xoxb-test-token":
                    answer = {"ok": False, "error": "invalid_auth"}
                else:
                    answer = {"ok": True, "channel": body.get("channel"), "ts": "1.0"}
                payload, content_type = json.dumps(answer).encode(), "application/json"
            else:
                payload, content_type = (b"ok" if status == 200 else b"internal_error"), "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = SlackStandIn(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def slack(slack_server: SlackStandIn) -> Iterator[SlackStandIn]:
    slack_server.reset()
    yield slack_server
    slack_server.reset()


@pytest.fixture(scope="session")
def aws_env(moto_endpoint: str) -> Iterator[dict[str, str]]:
    """Credentials for moto in this process's environment (boto3 reads them there, like in production)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            patch.setenv(key, value)
        yield {"endpoint": moto_endpoint, "region": "us-east-1"}


REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = REPO_ROOT / "table-templates"


@dataclass
class Lakehouse:
    settings: Settings
    catalog: Catalog
    specs: list[TableSpec]

    def spec(self, name: str) -> TableSpec:
        return next(s for s in self.specs if s.name == name)

    def table(self, name: str) -> Table:
        return self.catalog.load_table(self.spec(name).identifier)


@pytest.fixture(scope="session")
def glue_env(aws_env: dict[str, str]) -> dict[str, str]:
    """ICESPEC_* variables of a Glue catalog on moto, with its own warehouse bucket."""
    bucket = f"icespec-drift-{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=aws_env["endpoint"], region_name="us-east-1").create_bucket(Bucket=bucket)
    return {
        "ICESPEC_BACKEND": "aws-glue",
        "ICESPEC_WAREHOUSE": f"s3://{bucket}/warehouse",
        "ICESPEC_AWS_REGION": "us-east-1",
        "ICESPEC_AWS_ENDPOINT_URL": aws_env["endpoint"],
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
    }


@pytest.fixture()
def glue_lakehouse(glue_env: dict[str, str]) -> Lakehouse:
    """The four example tables on moto's Glue + S3, each test in namespaces of its own (shared server)."""
    settings = Settings.from_env(glue_env)
    catalog = open_catalog(settings)
    suffix = uuid.uuid4().hex[:6]
    specs = [replace(s, namespace=f"{s.namespace}_{suffix}") for s in load_specs([EXAMPLES])]
    apply_specs(specs, catalog, settings=settings)
    return Lakehouse(settings, catalog, specs)


@pytest.fixture()
def lakehouse(tmp_path: Path) -> Lakehouse:
    """A fresh embedded lakehouse (SQLite catalog) with the four example tables applied."""
    settings = Settings.from_env({"ICESPEC_LAKEHOUSE_DIR": str(tmp_path / "lakehouse")})
    catalog = open_catalog(settings)
    specs = load_specs([EXAMPLES])
    apply_specs(specs, catalog, settings=settings)
    return Lakehouse(settings, catalog, specs)
