"""The Soda configuration generated from Settings for each backend is accepted by Soda itself:
the configuration parses, the data source object is created (no connection is made), and the
generated SodaCL for that engine parses without errors. Usage statistics are off."""

from __future__ import annotations

import json

import pytest
import yaml

from icespec.catalogs import Settings
from icespec.quality import QualityConfigError, build_suite, soda_data_source
from icespec.quality.dialects import DIALECT_BY_BACKEND
from icespec.quality.soda_runtime import global_config_path, soda, usage_statistics_enabled

ENVIRONMENTS = {
    "aws-glue": {
        "ICESPEC_BACKEND": "aws-glue",
        "ICESPEC_WAREHOUSE": "s3://lake/warehouse",
        "ICESPEC_AWS_REGION": "eu-west-1",
        "ICESPEC_ATHENA_WORKGROUP": "icespec-quality",
        "ICESPEC_ATHENA_RESULTS_S3": "s3://lake-athena-results/quality/",
    },
    "aws-nessie": {
        "ICESPEC_BACKEND": "aws-nessie",
        "ICESPEC_NESSIE_URI": "http://127.0.0.1:19120/iceberg",
        "ICESPEC_TRINO_HOST": "127.0.0.1",
        "ICESPEC_TRINO_PORT": "8080",
        "ICESPEC_TRINO_CATALOG": "iceberg",
        "ICESPEC_TRINO_USER": "quality",
    },
    "gcp": {
        "ICESPEC_BACKEND": "gcp",
        "ICESPEC_GCP_PROJECT": "test-proj",
        "ICESPEC_GCP_DATASET_LOCATION": "EU",
        "ICESPEC_BIGQUERY_ENDPOINT": "http://127.0.0.1:9050",
    },
}

EXPECTED_PROPERTIES = {
    "aws-glue": {
        "type": "athena",
        "region_name": "eu-west-1",
        "staging_dir": "s3://lake-athena-results/quality/",
        "work_group": "icespec-quality",
        "catalog": "AwsDataCatalog",
        "schema": "sales",
    },
    "aws-nessie": {
        "type": "trino",
        "host": "127.0.0.1",
        "port": 8080,
        "http_scheme": "http",
        "catalog": "iceberg",
        "schema": "sales",
        "username": "quality",
    },
    "gcp": {
        "type": "bigquery",
        "project_id": "test-proj",
        "dataset": "sales",
        "use_context_auth": True,
        "location": "EU",
        "client_options": {"api_endpoint": "http://127.0.0.1:9050"},
    },
}

DATA_SOURCE_ATTRIBUTES = {
    "aws-glue": {"work_group": "icespec-quality", "athena_staging_dir": "s3://lake-athena-results/quality/"},
    "aws-nessie": {"host": "127.0.0.1", "catalog": "iceberg", "schema": "sales", "http_scheme": "http"},
    "gcp": {"project_id": "test-proj", "dataset": "sales", "location": "EU"},
}


@pytest.fixture()
def google_default_credentials(tmp_path, monkeypatch):
    """BigQuery's data source asks google.auth for default credentials when created; give it a
    well-formed (unusable) authorized-user file so creation works offline."""
    path = tmp_path / "adc.json"
    path.write_text(
        json.dumps({"type": "authorized_user", "client_id": "x", "client_secret": "y", "refresh_token": "z"})
    )
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test-proj")


@pytest.fixture(scope="module")
def orders(example_specs):
    return next(s for s in example_specs if s.name == "orders")


@pytest.mark.parametrize("backend", list(ENVIRONMENTS))
def test_generated_configuration_is_accepted_by_soda(backend, orders, google_default_credentials):
    settings = Settings.from_env(ENVIRONMENTS[backend])
    data_source = soda_data_source(orders, settings)
    assert data_source.name == "icespec_sales"
    document = yaml.safe_load(data_source.to_yaml())
    properties = document["data_source icespec_sales"]
    assert {k: properties[k] for k in EXPECTED_PROPERTIES[backend]} == EXPECTED_PROPERTIES[backend]
    assert properties["sampler"] == {"exclude_columns": {"orders": ["payment_card_last4"]}}
    assert not {"access_key_id", "secret_access_key", "password"} & set(properties)

    scan = soda().Scan()
    scan.set_data_source_name(data_source.name)
    scan.add_configuration_yaml_str(data_source.to_yaml())
    suite = build_suite(orders, DIALECT_BY_BACKEND[backend])
    scan.add_sodacl_yaml_str(suite.to_sodacl())
    assert not scan.has_error_logs(), scan.get_error_logs_text()
    assert scan._configuration.exclude_columns == {"orders": ["payment_card_last4"]}

    from soda.execution.data_source import DataSource

    created = DataSource.create(
        scan._logs,
        data_source.name,
        properties["type"],
        dict(scan._configuration.data_source_properties_by_name[data_source.name]),
    )
    assert type(created).__name__.lower() == f"{properties['type']}datasource"
    assert created.connection is None  # created, never connected
    for attribute, value in DATA_SOURCE_ATTRIBUTES[backend].items():
        assert getattr(created, attribute) == value
    assert not scan.has_error_logs(), scan.get_error_logs_text()


def test_engine_specific_types_in_schema_checks(orders):
    amount = {
        backend: build_suite(orders, dialect)
        .checks[1]
        .entry["schema"]["fail"]["when mismatching columns"]["amount"]
        for backend, dialect in DIALECT_BY_BACKEND.items()
    }
    assert amount == {
        "local": "decimal(18,2)",
        "aws-glue": "decimal(18,2)",
        "aws-nessie": "decimal(18,2)",
        "gcp": "NUMERIC(18, 2)",
    }


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {
                "ICESPEC_BACKEND": "aws-glue",
                "ICESPEC_WAREHOUSE": "s3://l/w",
                "ICESPEC_AWS_REGION": "eu-west-1",
            },
            "ICESPEC_ATHENA_RESULTS_S3",
        ),
        (
            {"ICESPEC_BACKEND": "aws-nessie", "ICESPEC_NESSIE_URI": "http://127.0.0.1:1/iceberg"},
            "ICESPEC_TRINO_HOST",
        ),
        (
            {
                "ICESPEC_BACKEND": "aws-nessie",
                "ICESPEC_NESSIE_URI": "http://127.0.0.1:1/iceberg",
                "ICESPEC_TRINO_HOST": "t",
            },
            "ICESPEC_TRINO_CATALOG",
        ),
    ],
)
def test_missing_settings_name_the_variable(orders, env, variable):
    with pytest.raises(QualityConfigError, match=variable):
        soda_data_source(orders, Settings.from_env(env))


def test_usage_statistics_are_off_and_nothing_is_written_home():
    assert usage_statistics_enabled() is False
    assert "send_anonymous_usage_stats: false" in global_config_path().read_text()
    from soda.common.config_helper import ConfigHelper

    assert ConfigHelper.get_instance().send_anonymous_usage_stats is False
