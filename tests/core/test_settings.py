"""The settings models (icespec.environment): what a user setting variables sees."""

from __future__ import annotations

import subprocess
import sys

import pytest
from dagster import EnvVar
from pydantic import SecretStr

from icespec.alerts.registry import SINK_TYPES
from icespec.alerts.slack import SlackSettings
from icespec.backends import BACKENDS
from icespec.catalogs.settings import GlueSettings, LocalSettings, NessieSettings, Settings
from icespec.environment import PREFIX, EnvironmentSettings
from icespec.errors import SettingsError
from icespec.orchestration.resources import RESOURCE_FIELDS, LakehouseResource, lakehouse_resource

GLUE = {"ICESPEC_BACKEND": "aws-glue", "ICESPEC_WAREHOUSE": "s3://lake/wh", "ICESPEC_AWS_REGION": "eu-west-1"}
NESSIE = {"ICESPEC_BACKEND": "aws-nessie", "ICESPEC_NESSIE_URI": "http://nessie:19120/iceberg"}


def problems_of(env: dict[str, str]) -> list[str]:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    return refused.value.problems


def test_the_backend_chooses_its_model():
    assert type(Settings.from_env({})) is LocalSettings
    assert type(Settings.from_env(GLUE)) is GlueSettings
    assert type(Settings.from_env(NESSIE)) is NessieSettings
    for backend in BACKENDS.values():
        assert issubclass(backend.settings_model(), Settings), backend.name
    for sink in SINK_TYPES.values():
        assert issubclass(sink.settings_model(), EnvironmentSettings), sink.name


def test_every_problem_is_one_line_naming_the_variable_and_what_to_do():
    lines = problems_of(
        {
            **NESSIE,
            "ICESPEC_NESSIE_URI": "nessie:19120",
            "ICESPEC_TRINO_PORT": "eighty",
            "ICESPEC_AWS_ENDPOINT_URL": "localhost:5000",
        }
    )
    assert sorted(lines) == sorted(
        [
            "ICESPEC_NESSIE_URI='nessie:19120' is not a URL starting with http:// or https://",
            "ICESPEC_TRINO_PORT='eighty' is not a port number (1-65535)",
            "ICESPEC_AWS_ENDPOINT_URL='localhost:5000' is not a URL starting with http:// or https://",
        ]
    )
    assert sorted(problems_of({"ICESPEC_BACKEND": "aws-glue"})) == [
        "ICESPEC_AWS_REGION (or AWS_REGION, AWS_DEFAULT_REGION) is required for ICESPEC_BACKEND=aws-glue "
        "(e.g. ICESPEC_AWS_REGION=eu-west-1)",
        "ICESPEC_WAREHOUSE is required for ICESPEC_BACKEND=aws-glue (e.g. ICESPEC_WAREHOUSE=s3://bucket/warehouse)",
    ]
    assert problems_of({**GLUE, "ICESPEC_WAREHOUSE": "gs://lake"}) == [
        "ICESPEC_WAREHOUSE='gs://lake' must start with s3:// or s3a://"
    ]
    assert problems_of({"ICESPEC_CATALOG_SCHEMA_VERSION": "v2"}) == [
        "ICESPEC_CATALOG_SCHEMA_VERSION='v2' is not v0 or v1 (v1 migrates a v0 SQL catalog by adding its "
        "iceberg_type column; unset keeps the catalog as it is)"
    ]
    assert problems_of({"ICESPEC_BACKEND": "polaris"}) == [
        "ICESPEC_BACKEND='polaris' is not one of local, aws-glue, aws-nessie, gcp"
    ]


def test_blank_values_are_unset_and_values_are_stripped():
    settings = Settings.from_env(
        {**GLUE, "ICESPEC_AWS_REGION": "  eu-west-1 ", "ICESPEC_AWS_ENDPOINT_URL": "  "}
    )
    assert isinstance(settings, GlueSettings)
    assert settings.aws_region == "eu-west-1" and settings.aws_endpoint_url is None


def test_a_given_mapping_is_read_instead_of_the_process_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ICESPEC_BACKEND", "aws-glue")  # would need a warehouse and a region
    monkeypatch.setenv("ICESPEC_TRINO_PORT", "not a port")
    assert type(Settings.from_env({})) is LocalSettings
    settings = Settings.from_env(NESSIE)
    assert isinstance(settings, NessieSettings) and settings.trino_port == 8080


def test_the_standard_aws_variables_count_and_credentials_stay_secret():
    settings = Settings.from_env(
        {
            "ICESPEC_BACKEND": "aws-glue",
            "ICESPEC_WAREHOUSE": "s3://lake/wh",
            "AWS_DEFAULT_REGION": "us-east-2",
            "AWS_SECRET_ACCESS_KEY": "very-secret",
        }
    )
    assert isinstance(settings, GlueSettings) and settings.aws_region == "us-east-2"
    assert isinstance(settings.aws_secret_access_key, SecretStr)
    assert "very-secret" not in repr(settings) and "very-secret" not in str(settings.model_dump())
    assert settings.aws_client_properties(("s3",))["s3.secret-access-key"] == "very-secret"


def test_rules_across_variables_are_one_line_too():
    with pytest.raises(SettingsError) as refused:
        SlackSettings.read({"ICESPEC_SLACK_BOT_TOKEN": "xoxb-1"})
    assert refused.value.problems == [
        "ICESPEC_SLACK_BOT_TOKEN is set but ICESPEC_SLACK_CHANNEL is not: set the channel"
    ]
    assert "xoxb-1" not in str(refused.value)


def test_the_dagster_resource_has_one_text_field_per_variable_and_binds_what_is_set_as_env_var(
    monkeypatch: pytest.MonkeyPatch,
):
    variables = {
        v.name for b in BACKENDS.values() for v in b.settings_model().variables() if v.name.startswith(PREFIX)
    }
    assert {v.name for v in RESOURCE_FIELDS.values()} == variables - {"ICESPEC_BACKEND"}
    assert set(LakehouseResource.model_fields) == set(RESOURCE_FIELDS) | {"backend"}
    monkeypatch.setenv("ICESPEC_NESSIE_URI", "http://nessie:19120/iceberg")
    resource = lakehouse_resource(Settings.from_env(NESSIE))
    assert resource.backend == "aws-nessie"
    # Bound as EnvVar: the run's config shows the variable's name, never its value.
    assert resource.nessie_uri == EnvVar("ICESPEC_NESSIE_URI")
    assert "nessie_branch" not in resource.model_dump(exclude_none=True)  # the default is not written out


def test_icespec_config_variables_lists_every_variable():
    shown = subprocess.run(
        [sys.executable, "-m", "icespec", "config", "variables"], capture_output=True, text=True, check=True
    ).stdout
    for backend in BACKENDS.values():
        for variable in backend.settings_model().variables():
            if variable.name.startswith(PREFIX):
                assert variable.name in shown


def test_only_the_documented_names_count():
    """Linux tells ICESPEC_BACKEND from icespec_backend; a field with an alias is read under its
    aliases only, so ICESPEC_AWS_ACCESS_KEY_ID never becomes a credential."""
    assert type(Settings.from_env({"icespec_backend": "aws-glue"})) is LocalSettings
    settings = Settings.from_env({**GLUE, "ICESPEC_AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
    assert isinstance(settings, GlueSettings) and settings.aws_access_key_id is None


def test_flags_and_days_take_only_what_the_docs_say():
    gcp = {
        "ICESPEC_BACKEND": "gcp",
        "ICESPEC_GCP_PROJECT": "p",
        "ICESPEC_BIGQUERY_ENDPOINT": "http://127.0.0.1:1",
    }
    assert problems_of({**gcp, "ICESPEC_GCP_EMULATOR": "t"}) == [
        "ICESPEC_GCP_EMULATOR='t' is not true or false (1, true, yes, on / 0, false, no, off)"
    ]
    from icespec.orchestration.resources import ScheduleSettings

    assert (
        ScheduleSettings.read({"ICESPEC_PARTITIONS_START": "2024-03-01"}).partitions_start.isoformat()
        == "2024-03-01"
    )
    for bad in ("0", "1704067200", "2024-01-01T00:00:00+05:00", "20240101", "2024-02-30"):
        with pytest.raises(SettingsError) as refused:
            ScheduleSettings.read({"ICESPEC_PARTITIONS_START": bad})
        assert refused.value.problems == [f"ICESPEC_PARTITIONS_START={bad!r} is not a date (YYYY-MM-DD)"]


def test_a_refusal_carries_no_raw_value():
    with pytest.raises(SettingsError) as refused:
        SlackSettings.read(
            {
                "ICESPEC_SLACK_WEBHOOK_URL": "https://hooks.example/SECRETXYZ",
                "ICESPEC_SLACK_BOT_TOKEN": "xoxb-SECRET",
            }
        )
    assert refused.value.__context__ is None and refused.value.__cause__ is None
    assert "SECRET" not in str(refused.value)


def test_reading_applies_to_reads_without_their_own_mapping(monkeypatch: pytest.MonkeyPatch):
    from icespec.environment import reading

    monkeypatch.setenv("ICESPEC_BACKEND", "aws-nessie")
    with reading({"ICESPEC_BACKEND": "local"}):
        assert type(Settings.from_env()) is LocalSettings
    with reading({}):
        assert type(Settings.from_env(NESSIE)) is NessieSettings  # its own mapping wins
