"""The BigQuery emulator (bqemulator, in its own venv) for the whole session, on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import itertools
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from icespec.gcp.backend import BigQueryLakehouse
from icespec.gcp.settings import GcpSettings
from icespec.spec import TableSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
EMULATOR_VENV = Path(os.environ.get("ICESPEC_BQEMULATOR_VENV", REPO_ROOT / ".venv-bqemulator"))
PROJECT = "icespec-test"
_namespaces = itertools.count()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def bigquery_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    executable = EMULATOR_VENV / "bin" / "bqemulator"
    if not executable.exists():
        pytest.fail(f"no BigQuery emulator at {executable}: run `make bqemulator-venv` (make test does)")
    rest, grpc = _free_port(), _free_port()
    log = tmp_path_factory.mktemp("bqemulator") / "bqemulator.log"
    # The emulator loads DuckDB's spatial extension from ~/.duckdb; the Makefile links the one the
    # duckdb-extension-spatial wheel ships there, so nothing is downloaded.
    env = {**os.environ, "HOME": str(EMULATOR_VENV / "duckdb-home")}
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(executable), "start", "--rest-host", "127.0.0.1", "--rest-port", str(rest),
             "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc), "--project", PROJECT,
             "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", rest), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"bqemulator did not start (exit {process.poll()}):\n{log.read_text()[-3000:]}"
                    )
                time.sleep(0.2)
        yield f"http://127.0.0.1:{rest}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def gcp_settings(bigquery_endpoint: str) -> GcpSettings:
    return GcpSettings.from_env(
        {
            "ICESPEC_GCP_PROJECT": PROJECT,
            "ICESPEC_BIGQUERY_ENDPOINT": bigquery_endpoint,
            "ICESPEC_GCP_EMULATOR": "true",
        }
    )


@pytest.fixture(scope="session")
def lakehouse(gcp_settings: GcpSettings) -> BigQueryLakehouse:
    return BigQueryLakehouse(gcp_settings)


def isolated(spec: TableSpec) -> TableSpec:
    """The same table in a dataset of its own, so tests sharing the emulator never meet."""
    return dataclasses.replace(spec, namespace=f"{spec.namespace}_t{next(_namespaces)}")
