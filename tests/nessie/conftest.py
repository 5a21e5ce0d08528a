"""The aws-nessie backend against a local Iceberg REST server that answers like Nessie (no Docker here)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from icespec.catalogs import Settings
from tests.support.iceberg_rest import IcebergRestServer

REPO = Path(__file__).resolve().parents[2]
BRANCHES = ("main", "dev", "ci")
_counter = itertools.count()


@pytest.fixture(scope="session")
def nessie_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IcebergRestServer]:
    with IcebergRestServer(tmp_path_factory.mktemp("nessie"), branches=BRANCHES) as server:
        yield server


def nessie_env(server: IcebergRestServer, branch: str = "main", **extra: str) -> dict[str, str]:
    """The environment a deployment sets for ICESPEC_BACKEND=aws-nessie."""
    return {
        "ICESPEC_BACKEND": "aws-nessie",
        "ICESPEC_NESSIE_URI": server.iceberg_url,
        "ICESPEC_NESSIE_BRANCH": branch,
        "ICESPEC_WAREHOUSE": server.warehouse_name,
        **extra,
    }


@pytest.fixture
def nessie_settings(nessie_server: IcebergRestServer) -> Settings:
    return Settings.from_env(nessie_env(nessie_server))


@pytest.fixture
def namespace() -> str:
    return f"n{next(_counter)}_{uuid.uuid4().hex[:6]}"


@pytest.fixture(autouse=True)
def no_server_errors(nessie_server: IcebergRestServer) -> Iterator[None]:
    """A 500 means a bug in the test server or a test hook: fail the test that caused it."""
    start = len(nessie_server.requests)
    yield
    errors = [
        r for r in nessie_server.requests[start:] if r.status >= 500 and r.status != 504
    ]  # 504: a lost answer, on purpose
    assert not errors, [f"{r.method} {r.path} -> {r.status}" for r in errors]
