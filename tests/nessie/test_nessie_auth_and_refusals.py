"""A Nessie with authentication on, and what Nessie's Iceberg REST catalog refuses.

The stand-in follows Nessie's source (tests/support/iceberg_rest.py cites it): 401
NotAuthorizedException without a valid bearer token; an identity provider's client credentials
grant (RFC 6749, 4.4); refusals of Iceberg snapshot refs other than `main` and of snapshot removal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.exceptions import CommitStateUnknownException

from icespec.catalogs import Settings, SettingsError, open_catalog
from icespec.schema import arrow_schema
from icespec.spec import parse_spec
from icespec.tables.backend import open_lakehouse
from tests.nessie.conftest import nessie_env
from tests.support.iceberg_rest import IcebergRestServer

TOKEN = "eyJ.signed-by-the-idp"
CLIENT = ("icespec-pipelines", "s3cret")


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IcebergRestServer]:
    with IcebergRestServer(
        tmp_path_factory.mktemp("nessie-auth"), required_token=TOKEN, oauth2_clients=dict([CLIENT])
    ) as server:
        yield server


def _items(namespace: str):
    return parse_spec(
        f"name: items\nnamespace: {namespace}\nidentifier_fields: [id]\ncolumns:\n"
        "  - {name: id, type: long, required: true}\n  - {name: label, type: string}\n",
        "items.yaml",
    )


def test_without_credentials_nessie_says_401_and_icespec_names_the_variables(secured: IcebergRestServer):
    with pytest.raises(SettingsError) as refused:
        open_catalog(Settings.from_env(nessie_env(secured)))
    message = str(refused.value)
    assert "requires authentication" in message and "ICESPEC_NESSIE_TOKEN" in message
    assert secured.requests[-1].status == 401
    with pytest.raises(SettingsError, match="refused the credentials in ICESPEC_NESSIE_TOKEN"):
        open_catalog(Settings.from_env(nessie_env(secured, ICESPEC_NESSIE_TOKEN="expired")))


def test_a_bearer_token_or_a_client_credentials_grant_lets_icespec_in(secured: IcebergRestServer):
    with_token = Settings.from_env(nessie_env(secured, ICESPEC_NESSIE_TOKEN=TOKEN))
    assert "eyJ" not in repr(with_token)  # a secret: never in a repr or a log line
    spec = _items("authns")
    lakehouse = open_lakehouse(with_token)
    assert [r.action for r in lakehouse.apply([spec])] == ["created"]
    client = Settings.from_env(
        nessie_env(
            secured,
            ICESPEC_NESSIE_OAUTH2_CREDENTIAL=":".join(CLIENT),
            ICESPEC_NESSIE_OAUTH2_SERVER_URI=secured.token_url,
            ICESPEC_NESSIE_OAUTH2_SCOPE="lakehouse",
            ICESPEC_NESSIE_OAUTH2_AUDIENCE="nessie",
        )
    )
    rows = pa.Table.from_pylist([{"id": 1, "label": "a"}], schema=arrow_schema(spec))
    open_lakehouse(client).write(spec, rows, "append")
    grant = secured.token_requests[-1]
    assert (grant["grant_type"], grant["client_id"], grant["scope"], grant["audience"]) == (
        "client_credentials",
        CLIENT[0],
        "lakehouse",
        "nessie",
    )
    assert open_lakehouse(with_token).read(spec).num_rows == 1
    with pytest.raises(SettingsError, match="refused the client in ICESPEC_NESSIE_OAUTH2_CREDENTIAL"):
        open_catalog(
            Settings.from_env(
                nessie_env(
                    secured,
                    ICESPEC_NESSIE_OAUTH2_CREDENTIAL="icespec-pipelines:wrong",
                    ICESPEC_NESSIE_OAUTH2_SERVER_URI=secured.token_url,
                )
            )
        )


def test_authentication_settings_are_one_way_and_complete():
    base = {"ICESPEC_BACKEND": "aws-nessie", "ICESPEC_NESSIE_URI": "http://nessie:19120/iceberg"}
    with pytest.raises(SettingsError, match="keep one"):
        Settings.from_env({**base, "ICESPEC_NESSIE_TOKEN": "t", "ICESPEC_NESSIE_OAUTH2_CREDENTIAL": "a:b"})
    with pytest.raises(SettingsError, match="needs ICESPEC_NESSIE_OAUTH2_SERVER_URI"):
        Settings.from_env({**base, "ICESPEC_NESSIE_OAUTH2_CREDENTIAL": "a:b"})


def test_nessie_refuses_iceberg_branches_and_snapshot_removal(tmp_path: Path):
    """IcebergMetadataUpdate (Nessie source): branches are Nessie's, snapshots are Nessie GC's. Nessie answers
    these with a 500, which the Iceberg REST spec makes a commit of unknown state for the client."""
    with IcebergRestServer(tmp_path / "nessie") as server:
        catalog = open_catalog(Settings.from_env(nessie_env(server)))
        spec = _items("refs")
        open_lakehouse(Settings.from_env(nessie_env(server)), catalog=catalog).apply([spec])
        table = catalog.load_table(spec.identifier)
        for label in ("a", "b"):
            table.append(
                pa.Table.from_pylist([{"id": len(label), "label": label}], schema=arrow_schema(spec))
            )
        snapshots = [s.snapshot_id for s in table.snapshots()]
        with pytest.raises(CommitStateUnknownException, match="use Nessie's branches instead"):
            table.manage_snapshots().create_branch(snapshots[0], "audit").commit()
        with pytest.raises(CommitStateUnknownException, match="does not allow external snapshot management"):
            table.maintenance.expire_snapshots().by_id(snapshots[0]).commit()
        assert [s.snapshot_id for s in catalog.load_table(spec.identifier).snapshots()] == snapshots
