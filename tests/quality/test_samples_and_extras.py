"""Failed-row samples never show restricted or pii data; hand-written SodaCL extras merge and run."""

from __future__ import annotations

import copy

import pytest

from icespec.quality import QualityConfigError, build_suite, sample_allowed_columns, scan_arrow
from tests.quality.quality_data import FRESH_NOW, clean_probe_rows, table_from_rows

HIDDEN_VALUES = ("@example.com", "secret-", "Hauptstrasse")


def _broken_rows() -> list[dict]:
    rows = copy.deepcopy(clean_probe_rows())
    rows[0]["status"] = "lost"  # accepted_values: a Soda validity sample
    rows[1]["id"], rows[1]["region"] = rows[0]["id"], rows[0]["region"]  # duplicate_count: Soda's join query
    rows[2]["address"] = {"country": "DEU", "street": "Hauptstrasse 9"}  # failed rows on a struct field
    return rows


def _assert_no_hidden_data(sample) -> None:
    assert sample is not None
    assert not {"email", "secret_note", "address"} & set(sample.columns)
    text = repr(sample.to_dict())
    assert not any(value in text for value in HIDDEN_VALUES), text


def test_allowed_columns_exclude_restricted_pii_and_structs_holding_pii(probe_spec):
    # address is internal, but its street is pii: the whole struct stays out.
    assert sample_allowed_columns(probe_spec) == ["id", "region", "status", "score", "code", "updated_at"]


def test_samples_of_every_sampling_check_kind_exclude_restricted_columns(probe_spec):
    result = scan_arrow(probe_spec, table_from_rows(probe_spec, _broken_rows()), now=FRESH_NOW)
    failing = {c.key: c for c in result.checks if c.outcome == "fail"}
    assert set(failing) == {"accepted_values_status", "duplicate_id_region", "max_length_address_country"}
    for check in failing.values():
        _assert_no_hidden_data(check.sample)
        assert "id" in check.sample.columns
    assert failing["duplicate_id_region"].sample.total_rows == 2
    assert (
        failing["accepted_values_status"].sample.rows[0][
            failing["accepted_values_status"].sample.columns.index("status")
        ]
        == "lost"
    )


EXTRAS = """
checks for probe:
  - row_count < 100:
      name: probe stays small
  - failed rows:
      name: notes are never leaked
      fail query: SELECT id, upper(email) contact FROM probe WHERE email IS NOT NULL
  - failed rows:
      name: emails are never leaked
      fail query: SELECT id, email AS contact FROM probe WHERE email IS NOT NULL
  - max(score):
      name: scores look sane
      warn: when > 0.5
"""


@pytest.fixture()
def extras_dir(tmp_path):
    (tmp_path / "probe.yaml").write_text(EXTRAS)
    return tmp_path


def test_extras_are_merged_after_the_generated_checks(probe_spec, extras_dir):
    suite = build_suite(probe_spec, extras_dir=extras_dir)
    text = suite.to_sodacl()
    assert text.count("checks for probe:") == 1
    assert (
        text.index("missing_count(id) = 0")
        < text.index("# Hand-written extras from")
        < text.index("row_count < 100")
    )
    extras = [c for c in suite.checks if c.source != "template"]
    assert [c.name for c in extras] == [
        "probe stays small",
        "notes are never leaked",
        "emails are never leaked",
        "scores look sane",
    ]
    assert {c.kind for c in extras} == {"extra"}


def test_extras_run_with_their_own_severity_and_hand_written_queries_cannot_leak(probe_spec, extras_dir):
    result = scan_arrow(
        probe_spec, table_from_rows(probe_spec, clean_probe_rows()), extras_dir=extras_dir, now=FRESH_NOW
    )
    assert result.check("extra_probe_stays_small").passed
    sane = result.check("extra_scores_look_sane")
    assert sane.outcome == "warn" and sane.severity == "warn" and sane.metrics["value"] == 0.8
    leak = result.check("extra_notes_are_never_leaked")
    assert leak.outcome == "fail"
    assert leak.sample.columns == ("id",)
    # Soda's own exclusion misses an expression over a restricted column; the allow-list does not.
    assert leak.sample.hidden_columns == ("contact",)
    _assert_no_hidden_data(leak.sample)
    plain = result.check("extra_emails_are_never_leaked")
    assert plain.outcome == "fail" and plain.metrics["value"] == 8
    assert plain.sample is None  # Soda sees `email` in the query and takes no sample at all
    assert result.exit_code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("checks for orders:\n  - row_count > 0\n", "unexpected section 'checks for orders'"),
        ("checks for probe:\n  row_count: 1\n", "must be a list of SodaCL checks"),
        (
            "checks for probe:\n  - row_count > 0:\n      name: table has rows\n",
            "check name 'table has rows' is already used",
        ),
        ("checks for probe: [\n", "not valid YAML"),
    ],
)
def test_bad_extras_are_reported_with_the_file(probe_spec, tmp_path, content, message):
    (tmp_path / "probe.yaml").write_text(content)
    with pytest.raises(QualityConfigError, match=message) as excinfo:
        build_suite(probe_spec, extras_dir=tmp_path)
    assert str(tmp_path / "probe.yaml") in str(excinfo.value)


def test_invalid_sodacl_in_extras_is_a_scan_error_not_a_pass(probe_spec, tmp_path):
    (tmp_path / "probe.yaml").write_text("checks for probe:\n  - row_count >>> 0\n")
    result = scan_arrow(
        probe_spec, table_from_rows(probe_spec, clean_probe_rows()), extras_dir=tmp_path, now=FRESH_NOW
    )
    assert result.exit_code == 3
    assert any('Invalid check "row_count >>> 0"' in error for error in result.errors), result.errors
