"""Adding a backend is one registry entry plus the module it names (docs/extending.md).

A plain Iceberg REST catalog backend (what a Polaris or Gravitino deployment is) is registered here
with one entry whose settings model and catalog properties come from this module, and nothing else
in icespec changes: settings, the lakehouse (plan, apply, write, read), the quality engine, the
Dagster resource and asset kinds all follow the entry. The server is the REST stand-in
(tests/support/iceberg_rest.py).
"""

from __future__ import annotations

import dataclasses

import pyarrow as pa
import pytest
from pydantic import Field, SecretStr

from icespec.backends import BACKENDS, Backend, get_backend
from icespec.catalogs import Settings
from icespec.catalogs.settings import IcebergSettings, TrinoSettings
from icespec.environment import HttpUrl, secret_text
from icespec.orchestration.resources import lakehouse_resource
from icespec.quality.dialects import DUCKDB, TRINO, dialect_for
from icespec.schema import arrow_schema
from icespec.spec import parse_spec
from icespec.tables.backend import open_lakehouse
from tests.support.iceberg_rest import IcebergRestServer

NAME = "rest-example"


class RestSettings(IcebergSettings, TrinoSettings):
    """The backend's settings: a REST catalog URL (required), an optional bearer token (a secret)."""

    catalog_uri: HttpUrl = Field(
        description="the REST catalog's URL",
        examples=["https://polaris.internal/api/catalog"],
    )
    rest_token: SecretStr | None = Field(None, description="bearer token of the REST catalog")


def rest_catalog_properties(settings: RestSettings) -> dict[str, str]:
    """The backend-specific code: pyiceberg's REST catalog at ICESPEC_CATALOG_URI."""
    props = {"type": "rest", "uri": settings.catalog_uri, "warehouse": settings.warehouse or ""}
    token = secret_text(settings.rest_token)
    return {**props, "token": token} if token else props


ENTRY = Backend(
    NAME,
    "any Iceberg REST catalog (Polaris, Gravitino, ...); quality on Trino",
    settings=f"{__name__}:RestSettings",
    lakehouse="icespec.tables.backend:open_iceberg_lakehouse",
    quality_engine="trino",
    table_kind="pyarrow",
    catalog=f"{__name__}:rest_catalog_properties",
)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Backend:
    monkeypatch.setitem(BACKENDS, NAME, ENTRY)
    return ENTRY


def test_the_entry_alone_configures_validates_and_opens_the_backend(
    registered: Backend, nessie_server: IcebergRestServer, namespace: str
):
    with pytest.raises(ValueError, match=r"ICESPEC_CATALOG_URI is required for ICESPEC_BACKEND=rest-example"):
        Settings.from_env({"ICESPEC_BACKEND": NAME})
    with pytest.raises(ValueError, match=r"ICESPEC_CATALOG_URI='polaris' is not a URL starting with http"):
        Settings.from_env({"ICESPEC_BACKEND": NAME, "ICESPEC_CATALOG_URI": "polaris"})
    settings = Settings.from_env(
        {
            "ICESPEC_BACKEND": NAME,
            "ICESPEC_CATALOG_URI": f"{nessie_server.iceberg_url}/main",
            "ICESPEC_WAREHOUSE": nessie_server.warehouse_name,
        }
    )
    assert get_backend(settings.backend) is registered
    spec = parse_spec(
        f"name: plugin_items\nnamespace: {namespace}\nidentifier_fields: [id]\ncolumns:\n"
        "  - {name: id, type: long, required: true}\n  - {name: label, type: string}\n",
        "plugin_items.yaml",
    )
    lakehouse = open_lakehouse(settings)
    assert [r.action for r in lakehouse.apply([spec])] == ["created"]
    rows = pa.Table.from_pylist([{"id": 1, "label": "a"}, {"id": 2, "label": "b"}], schema=arrow_schema(spec))
    lakehouse.write(spec, rows, "append")
    assert sorted(lakehouse.read(spec).column("id").to_pylist()) == [1, 2]
    assert not lakehouse.plan(spec).has_changes
    # The server saw the REST calls: the table really is in the REST catalog, not in a local file.
    assert any(f"/namespaces/{namespace}/tables" in r.path for r in nessie_server.requests)

    assert dialect_for(settings) is TRINO and dialect_for(None) is DUCKDB
    resource = lakehouse_resource(settings)
    assert resource.backend == NAME and resource.settings.catalog_uri == settings.catalog_uri
    assert isinstance(resource.settings, RestSettings)


def test_a_name_not_in_the_registry_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"ICESPEC_BACKEND='polaris' is not one of local, aws-glue"):
        Settings.from_env({"ICESPEC_BACKEND": "polaris"})


def test_every_hook_of_every_entry_imports():
    for backend in BACKENDS.values():
        assert issubclass(backend.settings_model(), Settings), backend.name
        for hook in ("lakehouse", "catalog", "open_catalog", "governance"):
            if getattr(backend, hook) is not None:
                assert callable(backend.hook(hook)), (backend.name, hook)
        assert dataclasses.asdict(backend)["quality_engine"] in {"duckdb", "athena", "trino", "bigquery"}
