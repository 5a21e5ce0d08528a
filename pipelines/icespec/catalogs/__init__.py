"""Settings → a pyiceberg catalog. Which backend opens which catalog is in `icespec.backends.registry`;
the properties of each catalog (SQL, Glue, Nessie REST) are here. The gcp backend is not a pyiceberg
catalog; it lives in `icespec.gcp`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from icespec.backends import get_backend
from icespec.catalogs.settings import (
    BACKENDS,
    GlueSettings,
    IcebergSettings,
    LocalSettings,
    NessieSettings,
    Settings,
    settings_as,
)
from icespec.errors import NotFoundError, SettingsError

if TYPE_CHECKING:
    from pyiceberg.catalog import Catalog

__all__ = [
    "BACKENDS",
    "CatalogMissing",
    "Settings",
    "SettingsError",
    "catalog_properties",
    "open_catalog",
]


def sql_catalog_properties(settings: LocalSettings) -> dict[str, str]:
    """pyiceberg's SQL catalog (SQLite or any SQLAlchemy URL) over a warehouse folder or bucket."""
    props = {"type": "sql", "uri": settings.catalog_uri, "warehouse": settings.warehouse or ""}
    if settings.catalog_schema_version:  # pyiceberg's SQL catalog: v1 migrates a v0 catalog in place
        props["schema_version"] = settings.catalog_schema_version
    return props


def glue_catalog_properties(settings: GlueSettings) -> dict[str, str]:
    return {
        "type": "glue",
        "warehouse": settings.warehouse,
        **settings.aws_client_properties(("glue", "s3")),
    }


def nessie_catalog_properties(settings: NessieSettings) -> dict[str, str]:
    props = {"type": "rest", "uri": settings.branch_uri, **settings.authentication_properties()}
    if settings.warehouse:
        props["warehouse"] = settings.warehouse
    return {**props, **settings.aws_client_properties(("s3",))}


def catalog_properties(settings: Settings) -> dict[str, str]:
    """The pyiceberg catalog properties for a backend (no secrets are logged by callers)."""
    backend = get_backend(settings.backend)
    if not backend.is_pyiceberg_catalog:
        raise SettingsError(
            f"ICESPEC_BACKEND={settings.backend!r} has no pyiceberg catalog ({backend.summary})"
        )
    properties: dict[str, str] = backend.hook("catalog")(settings)
    return properties


class CatalogMissing(NotFoundError):
    """A read-only command found no local catalog yet: every table is still to be created."""


def open_catalog(settings: Settings | None = None, *, create: bool = True) -> Catalog:
    """Open the configured catalog. An embedded backend creates its folders and SQLite database,
    unless `create` is False (read-only commands: plan, drift, check): then a missing database
    raises CatalogMissing and nothing is written to disk."""
    from pyiceberg.catalog import load_catalog

    settings = settings_as(settings or Settings.from_env(), IcebergSettings, "a pyiceberg catalog")
    backend = get_backend(settings.backend)
    database = settings.embedded_database()
    if not create and database is not None and not database.exists():
        raise CatalogMissing(f"no catalog at {database} yet (run `icespec apply`)")
    if create:
        for folder in settings.folders_to_create():
            folder.mkdir(parents=True, exist_ok=True)
    if backend.open_catalog is not None:
        opened: Catalog = backend.hook("open_catalog")(settings)
        return opened
    return load_catalog(settings.catalog_name, **catalog_properties(settings))


def open_nessie_catalog(settings: NessieSettings) -> Catalog:
    """Nessie's REST catalog, checked at once: a wrong URI, branch or warehouse names its variable.

    pyiceberg reads `<uri>/v1/config` when the catalog is built; the branch only fails on the first
    call that uses it, so one namespace listing is made here to fail early and clearly.
    """
    from pyiceberg.catalog import load_catalog
    from pyiceberg.exceptions import OAuthError, RESTError, UnauthorizedError
    from requests import RequestException

    props = catalog_properties(settings)
    uri = f"ICESPEC_NESSIE_URI={settings.nessie_uri!r}"
    try:
        catalog = load_catalog(settings.catalog_name, **props)
    except OAuthError as exc:
        raise SettingsError(
            [f"ICESPEC_NESSIE_OAUTH2_SERVER_URI={settings.nessie_oauth2_server_uri!r} refused the client in "
             f"ICESPEC_NESSIE_OAUTH2_CREDENTIAL ({_short_reason(exc)}); check the client id and secret, and "
             "ICESPEC_NESSIE_OAUTH2_SCOPE / _AUDIENCE (unset, pyiceberg asks for the scope `catalog`)"]
        ) from None  # fmt: skip
    except UnauthorizedError as exc:
        raise SettingsError([_unauthorized(uri, settings, exc)]) from None
    except (RequestException, RESTError, ValueError) as exc:
        reason = _short_reason(exc)
        if settings.warehouse and f"'{settings.warehouse}'" in reason:
            raise SettingsError(
                [f"ICESPEC_WAREHOUSE={settings.warehouse!r}: Nessie at {uri} refused it ({reason}); "
                 "set it to a warehouse name configured in Nessie, or unset it for Nessie's default"]
            ) from None  # fmt: skip
        raise SettingsError(
            [f"{uri}: no Nessie Iceberg REST endpoint answered at {props['uri']}/v1/config ({reason}); "
             "set it to Nessie's Iceberg REST base without the branch (e.g. http://nessie:19120/iceberg) "
             "and check that Nessie is running"]
        ) from None  # fmt: skip
    try:
        catalog.list_namespaces()
    except UnauthorizedError as exc:
        raise SettingsError([_unauthorized(uri, settings, exc)]) from None
    except (RequestException, RESTError) as exc:
        reason = _short_reason(exc)
        if "NoSuchReference" in reason:
            raise SettingsError(
                [f"ICESPEC_NESSIE_BRANCH={settings.nessie_branch!r}: no such branch in Nessie at {uri} "
                 f"({reason}); create it or set ICESPEC_NESSIE_BRANCH to an existing branch"]
            ) from None  # fmt: skip
        raise SettingsError([f"{uri}: listing namespaces on Nessie failed ({reason})"]) from None
    return catalog


def _unauthorized(uri: str, settings: NessieSettings, exc: Exception) -> str:
    given = "ICESPEC_NESSIE_TOKEN" if settings.nessie_token else "ICESPEC_NESSIE_OAUTH2_CREDENTIAL"
    if settings.nessie_token or settings.nessie_oauth2_credential:
        return (
            f"{uri}: Nessie refused the credentials in {given} ({_short_reason(exc)}); renew or correct them"
        )
    return (
        f"{uri}: Nessie requires authentication ({_short_reason(exc)}): set ICESPEC_NESSIE_TOKEN, or "
        "ICESPEC_NESSIE_OAUTH2_CREDENTIAL with ICESPEC_NESSIE_OAUTH2_SERVER_URI"
    )


def _short_reason(exc: Exception) -> str:
    """One line: connection failures say so instead of urllib3's nested repr."""
    from requests import ConnectionError, Timeout

    if isinstance(exc, Timeout):
        return "timed out"
    if isinstance(exc, ConnectionError):
        return "could not connect"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}{'...' if len(text) > 200 else ''}"
