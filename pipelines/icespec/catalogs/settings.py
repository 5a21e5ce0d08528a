"""Settings: one pydantic-settings model per backend, chosen by ICESPEC_BACKEND through the registry.

`Settings.from_env()` reads ICESPEC_BACKEND, asks the backend registry which model configures that
backend (its entry's `settings`), and reads that model: every bad or missing variable is one line of
one SettingsError. The models of the pyiceberg backends are here; the gcp backend's is in
`icespec.gcp.settings`; a plugin backend brings its own. The quality engines' settings (Athena,
Trino) are mixed into the models of the backends they scan. The alert sinks read their own models
(`icespec.alerts.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import AfterValidator, AliasChoices, Field, SecretStr, field_validator, model_validator

from icespec.backends import DEFAULT_BACKEND, backend_names, get_backend
from icespec.environment import EnvironmentSettings, HttpUrl, location_of, secret_text
from icespec.errors import SettingsError

__all__ = [
    "BACKENDS",
    "AthenaSettings",
    "AwsEndpointSettings",
    "AwsSettings",
    "GlueSettings",
    "IcebergSettings",
    "LocalSettings",
    "NessieSettings",
    "Settings",
    "SettingsError",
    "TrinoSettings",
    "settings_as",
]

BACKENDS = backend_names()


def _default_lakehouse() -> Path:
    """`.lakehouse` of the project root (found like git finds its repository), or of the current
    folder outside one."""
    from icespec.spec.project import find_root

    return (find_root() or Path.cwd()) / ".lakehouse"


_Model = TypeVar("_Model")


def settings_as(
    settings: object, model: type[_Model], needed_by: str, error: type[SettingsError] = SettingsError
) -> _Model:
    """`settings`, if its backend's model is a `model` (what `needed_by` reads); an `error` otherwise."""
    if not isinstance(settings, model):
        raise error(
            f"ICESPEC_BACKEND={getattr(settings, 'backend', None)!r}: {needed_by} needs a {model.__name__}, "
            f"but the backend's settings model is {type(settings).__name__}"
        )
    return settings


class Settings(EnvironmentSettings):
    """What every backend is configured by; each backend's model (its registry entry's `settings`)
    adds its own variables."""

    backend: str = Field(
        DEFAULT_BACKEND, description="the backend: see the backend registry (`icespec/backends/registry.py`)"
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """The settings of the backend ICESPEC_BACKEND names, read with that backend's model."""
        name = Settings.read(env).backend
        entry = get_backend(name)  # a SettingsError listing the known backends
        model = entry.settings_model()
        if not issubclass(model, cls):
            raise SettingsError(
                f"ICESPEC_BACKEND={name!r} is configured by {model.__name__}, not {cls.__name__}"
            )
        return model.read(env, needed_for=f"ICESPEC_BACKEND={name}")  # a subclass of cls, checked above

    # What a backend that keeps everything in files on this machine creates on first write.
    def folders_to_create(self) -> tuple[Path, ...]:
        return ()

    def embedded_database(self) -> Path | None:
        """The catalog's database file on this machine (SQLite), if any."""
        return None

    @property
    def scan_in_process(self) -> bool:
        """True when the backend's own engine cannot run Soda's SQL here (an emulator): the rows are
        read and checked in DuckDB in process instead."""
        return False


# Fields that one model leaves optional and another requires are described once, here
# (`...` as the default: required).
def _warehouse(default: Any = None, **more: Any) -> Any:
    return Field(
        default,
        description="warehouse: file:// folder, s3://bucket/prefix, or Nessie's warehouse name",
        json_schema_extra={"shown_default": "<lakehouse>/warehouse (local)"},
        **more,
    )


def _aws_region(default: Any = None) -> Any:
    return Field(
        default,
        validation_alias=AliasChoices("ICESPEC_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"),
        description="AWS region",
        examples=["eu-west-1"],
    )


class IcebergSettings(Settings):
    """A pyiceberg catalog."""

    catalog_name: str = Field("icespec", description="the pyiceberg catalog name")
    warehouse: str | None = _warehouse()


class AwsEndpointSettings(EnvironmentSettings):
    """Where AWS clients send requests: AWS itself, or an emulator."""

    aws_endpoint_url: HttpUrl | None = Field(
        None, description="an AWS emulator (moto, LocalStack); unset for real AWS"
    )


class AwsSettings(AwsEndpointSettings):
    """An AWS client's region, endpoint and credentials (credentials: the standard AWS variables)."""

    aws_region: str | None = _aws_region()
    # Passed to PyArrow's S3 explicitly: it does not read every variable boto3 reads.
    aws_access_key_id: SecretStr | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_session_token: SecretStr | None = Field(None, validation_alias="AWS_SESSION_TOKEN")

    def aws_client_properties(self, prefixes: tuple[str, ...]) -> dict[str, str]:
        """Region, endpoint and credentials for each pyiceberg client prefix (glue., s3.).

        PyArrow's S3 ignores AWS_ENDPOINT_URL, so an endpoint override must be passed explicitly."""
        values = {
            "region": self.aws_region,
            "endpoint": self.aws_endpoint_url,
            "access-key-id": secret_text(self.aws_access_key_id),
            "secret-access-key": secret_text(self.aws_secret_access_key),
            "session-token": secret_text(self.aws_session_token),
        }
        props = {f"{prefix}.{key}": value for prefix in prefixes for key, value in values.items() if value}
        if self.aws_endpoint_url:
            props["s3.force-virtual-addressing"] = "false"  # path-style for moto/LocalStack
        return props


class AthenaSettings(EnvironmentSettings):
    """Quality scans on Athena (mixed into the models of the backends Athena scans)."""

    athena_workgroup: str | None = Field(None, description="Athena workgroup of the quality scans")
    athena_results_s3: Annotated[str, AfterValidator(location_of("s3://"))] | None = Field(
        None, description="s3:// location of Athena's query results"
    )


class TrinoSettings(EnvironmentSettings):
    """Quality scans on Trino (mixed into the models of the backends Trino scans)."""

    trino_host: str | None = Field(None, description="Trino host of the quality scans")
    trino_port: int = Field(8080, description="Trino port (443 and 8443 mean https)")
    trino_catalog: str | None = Field(None, description="Trino catalog holding the Iceberg tables")
    trino_user: str = Field("icespec", description="Trino user")

    @field_validator("trino_port", mode="before")
    @classmethod
    def _port(cls, value: Any) -> Any:
        text = str(value).strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise ValueError("is not a port number (1-65535)")
        return int(text)


class LocalSettings(IcebergSettings):
    """The embedded default: pyiceberg's SQL catalog (SQLite unless told) and a warehouse folder."""

    lakehouse_dir: Path = Field(
        default_factory=_default_lakehouse,
        description="folder of the embedded lakehouse (SQLite catalog and warehouse)",
        json_schema_extra={"shown_default": ".lakehouse of the project root"},
    )
    catalog_uri: str = Field(
        "",
        description="SQLAlchemy URL of the SQL catalog (SQLite, PostgreSQL, ...)",
        json_schema_extra={"shown_default": "sqlite:///<lakehouse>/catalog.db"},
    )
    catalog_schema_version: Literal["v0", "v1"] | None = Field(
        None, description="SQL catalog tables: v1 migrates a v0 catalog; unset keeps it as found"
    )

    @field_validator("catalog_schema_version", mode="before")
    @classmethod
    def _schema_version(cls, value: Any) -> Any:
        if value not in (None, "v0", "v1"):
            raise ValueError(
                "is not v0 or v1 (v1 migrates a v0 SQL catalog by adding its iceberg_type column; unset keeps "
                "the catalog as it is)"
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _inside_the_lakehouse(cls, data: Any) -> Any:
        """The catalog database and the warehouse default to files inside the lakehouse folder."""
        if not isinstance(data, dict):
            return data
        folder = Path(data.get("lakehouse_dir") or _default_lakehouse()).expanduser().absolute()
        return {
            **data,
            "lakehouse_dir": folder,
            "catalog_uri": data.get("catalog_uri") or f"sqlite:///{folder / 'catalog.db'}",
            "warehouse": data.get("warehouse") or (folder / "warehouse").as_uri(),
        }

    def folders_to_create(self) -> tuple[Path, ...]:
        from urllib.parse import urlparse
        from urllib.request import url2pathname

        folders = [self.lakehouse_dir]
        if self.warehouse and self.warehouse.startswith("file://"):
            folders.append(Path(url2pathname(urlparse(self.warehouse).path)))
        return tuple(folders)

    def embedded_database(self) -> Path | None:
        uri = self.catalog_uri
        if not uri.startswith("sqlite:///") or uri.endswith(":memory:"):
            return None
        return Path(uri.removeprefix("sqlite:///"))


class GlueSettings(IcebergSettings, AwsSettings, AthenaSettings):
    """AWS Glue Data Catalog over S3; quality on Athena."""

    warehouse: Annotated[str, AfterValidator(location_of("s3://", "s3a://"))] = _warehouse(
        ..., examples=["s3://bucket/warehouse"]
    )
    aws_region: str = _aws_region(...)


class NessieSettings(IcebergSettings, AwsSettings, TrinoSettings):
    """Project Nessie's Iceberg REST catalog (one branch) over S3; quality on Trino."""

    nessie_uri: HttpUrl = Field(
        description="Nessie's Iceberg REST base, without the branch (http://nessie:19120/iceberg)",
        examples=["http://nessie:19120/iceberg"],
    )
    nessie_branch: str = Field("main", description="the Nessie branch tables live on")
    # A Nessie with OIDC on (terraform/modules/nessie `oidc`) needs one of these: pyiceberg's REST
    # catalog sends the token, or fetches one with the client credentials grant (RFC 6749, 4.4).
    nessie_token: SecretStr | None = Field(
        None, description="bearer token for a Nessie with authentication on"
    )
    nessie_oauth2_credential: SecretStr | None = Field(
        None,
        description="CLIENT_ID:CLIENT_SECRET of an OAuth2 client that gets Nessie's tokens (client credentials)",
    )
    nessie_oauth2_server_uri: HttpUrl | None = Field(
        None, description="the identity provider's token endpoint, for ICESPEC_NESSIE_OAUTH2_CREDENTIAL"
    )
    nessie_oauth2_scope: str | None = Field(
        None,
        description="scope asked for with ICESPEC_NESSIE_OAUTH2_CREDENTIAL (unset, pyiceberg asks for `catalog`, "
        "which some identity providers refuse)",
    )
    nessie_oauth2_audience: str | None = Field(
        None,
        description="audience asked for with ICESPEC_NESSIE_OAUTH2_CREDENTIAL: Nessie's `oidc.audience`, which its "
        "tokens must carry",
    )

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Self:
        if self.nessie_token and self.nessie_oauth2_credential:
            raise ValueError(
                "both ICESPEC_NESSIE_TOKEN and ICESPEC_NESSIE_OAUTH2_CREDENTIAL are set: keep one (a token, "
                "or a client that fetches tokens)"
            )
        if self.nessie_oauth2_credential and not self.nessie_oauth2_server_uri:
            raise ValueError(
                "ICESPEC_NESSIE_OAUTH2_CREDENTIAL needs ICESPEC_NESSIE_OAUTH2_SERVER_URI (the identity provider's "
                "token endpoint, e.g. https://login.example.com/realms/data/protocol/openid-connect/token)"
            )
        return self

    def authentication_properties(self) -> dict[str, str]:
        """pyiceberg REST catalog properties: `token`, or `credential` + `oauth2-server-uri` (+ `scope`,
        `audience`)."""
        props = {
            "token": secret_text(self.nessie_token),
            "credential": secret_text(self.nessie_oauth2_credential),
            "oauth2-server-uri": self.nessie_oauth2_server_uri if self.nessie_oauth2_credential else None,
            "scope": self.nessie_oauth2_scope if self.nessie_oauth2_credential else None,
            "audience": self.nessie_oauth2_audience if self.nessie_oauth2_credential else None,
        }
        return {key: value for key, value in props.items() if value}

    @property
    def branch_uri(self) -> str:
        """Nessie serves one Iceberg REST prefix per branch: <base>/<branch>."""
        return f"{self.nessie_uri.rstrip('/')}/{self.nessie_branch}"
