"""Catalog backends: settings → a pyiceberg catalog (local SQLite, AWS Glue, Nessie REST).

The gcp backend is not a pyiceberg catalog; it lives in `icespec.gcp`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse
from urllib.request import url2pathname

from icespec.catalogs.settings import BACKENDS, PYICEBERG_BACKENDS, Settings, SettingsError

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

__all__ = [
    "BACKENDS",
    "PYICEBERG_BACKENDS",
    "Settings",
    "SettingsError",
    "catalog_properties",
    "open_catalog",
]


def _aws_properties(settings: Settings, prefixes: tuple[str, ...]) -> dict[str, str]:
    """Region, endpoint and credentials for each client prefix (glue., s3.).

    PyArrow's S3 ignores AWS_ENDPOINT_URL, so an endpoint override must be passed explicitly.
    """
    values = {
        "region": settings.aws_region,
        "endpoint": settings.aws_endpoint_url,
        "access-key-id": settings.aws_access_key_id,
        "secret-access-key": settings.aws_secret_access_key,
        "session-token": settings.aws_session_token,
    }
    props = {f"{prefix}.{key}": value for prefix in prefixes for key, value in values.items() if value}
    if settings.aws_endpoint_url:
        props["s3.force-virtual-addressing"] = "false"  # path-style for moto/LocalStack
    return props


def catalog_properties(settings: Settings) -> dict[str, str]:
    """The pyiceberg catalog properties for a backend (no secrets are logged by callers)."""
    if settings.backend == "local":
        return {"type": "sql", "uri": settings.catalog_uri or "", "warehouse": settings.warehouse or ""}
    if settings.backend == "aws-glue":
        return {
            "type": "glue",
            "warehouse": settings.warehouse or "",
            **_aws_properties(settings, ("glue", "s3")),
        }
    if settings.backend == "aws-nessie":
        # Nessie serves one Iceberg REST prefix per branch: <base>/<branch>.
        props = {"type": "rest", "uri": f"{(settings.nessie_uri or '').rstrip('/')}/{settings.nessie_branch}"}
        if settings.warehouse:
            props["warehouse"] = settings.warehouse
        return {**props, **_aws_properties(settings, ("s3",))}
    raise SettingsError(
        [
            f"ICESPEC_BACKEND={settings.backend!r} has no pyiceberg catalog; use icespec.gcp for the gcp backend"
        ]
    )


def open_catalog(settings: Settings | None = None) -> Catalog:
    """Open the configured catalog; the local backend creates its folder and SQLite database."""
    from pyiceberg.catalog import load_catalog

    settings = settings or Settings.from_env()
    if settings.backend == "local":
        settings.lakehouse_dir.mkdir(parents=True, exist_ok=True)
        if settings.warehouse and settings.warehouse.startswith("file://"):
            Path(url2pathname(urlparse(settings.warehouse).path)).mkdir(parents=True, exist_ok=True)
    return load_catalog(settings.catalog_name, **catalog_properties(settings))
