"""`icespec drift` end to end on the embedded backend: exit codes, text, JSON, --notify with --state."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pyiceberg.types import StringType

from icespec.cli import main

TEMPLATES = str(Path(__file__).resolve().parents[2] / "table-templates")


@pytest.fixture()
def cli_env(lakehouse, monkeypatch):
    monkeypatch.setenv("ICESPEC_LAKEHOUSE_DIR", str(lakehouse.settings.lakehouse_dir))
    for variable in ("ICESPEC_BACKEND", "ICESPEC_CATALOG_URI", "ICESPEC_WAREHOUSE", "ICESPEC_SNS_TOPIC_ARN",
                     "ICESPEC_SLACK_BOT_TOKEN", "ICESPEC_SLACK_CHANNEL", "ICESPEC_SLACK_WEBHOOK_URL"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)
    return lakehouse


def add_coupon_column(lakehouse) -> None:
    with lakehouse.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType())


def test_no_drift_exits_0(cli_env, capsys):
    assert main(["--templates", TEMPLATES, "drift"]) == 0
    assert "0 table(s) drifted, 0 could not be checked, 4 in sync" in capsys.readouterr().out


def test_drift_exits_2_and_names_the_change_line_and_fix(cli_env, capsys):
    add_coupon_column(cli_env)
    assert main(["--templates", TEMPLATES, "drift"]) == 2
    out = capsys.readouterr().out
    assert f"sales.orders  DRIFT (critical)  {TEMPLATES}/orders.yaml" in out
    assert "! live column 'coupon_code' string is not in the template  [orders.yaml:7]" in out
    assert "fix: `icespec apply` would have to undo 1 breaking difference(s)" in out


def test_json_output(cli_env, capsys):
    add_coupon_column(cli_env)
    assert main(["--templates", TEMPLATES, "drift", "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    orders = next(t for t in document["tables"] if t["table"] == "sales.orders")
    assert (orders["status"], orders["severity"]) == ("drift", "critical")
    assert [c["kind"] for c in orders["changes"]] == ["drop_column"]
    assert document["tables_drifted"] == 1


def test_an_unreadable_table_exits_1_and_the_others_are_reported(cli_env, capsys):
    Path(urlparse(cli_env.table("orders").metadata_location).path).unlink()
    with cli_env.table("scd_type2").update_schema() as update:
        update.add_column(("address", "zip"), StringType())
    assert main(["--templates", TEMPLATES, "drift"]) == 1
    out = capsys.readouterr().out
    assert "sales.orders  ERROR  could not be checked: FileNotFoundError" in out
    assert "lakehouse.scd_type2  DRIFT" in out


def test_notify_with_state_alerts_once_then_resolved(cli_env, slack, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ICESPEC_SLACK_WEBHOOK_URL", slack.webhook_url)
    state = tmp_path / "drift-state.json"
    args = ["--templates", TEMPLATES, "drift", "--notify", "--state", str(state)]
    add_coupon_column(cli_env)

    assert main(args) == 2
    assert main(args) == 2
    headers = [r.body["blocks"][0]["text"]["text"] for r in slack.requests]
    assert headers == [":warning: Drift detected: sales.orders"]

    with cli_env.table("orders").update_schema() as update:
        update.delete_column("coupon_code")
    assert main(args) == 0
    assert (
        slack.requests[-1].body["blocks"][0]["text"]["text"]
        == ":white_check_mark: Drift resolved: sales.orders"
    )
    assert "Alerts: 1 sent, 0 failed." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["drift", "nope"], "no template for table(s): nope"),
        (["drift", "--state", "x.json"], "--state only makes sense with --notify"),
        (["drift", "--notify"], "--notify needs a sink"),
        (["drift", "--concurrency", "0"], "--concurrency must be at least 1"),
    ],
)
def test_usage_errors_are_one_clear_line(cli_env, capsys, args, message):
    assert main(["--templates", TEMPLATES, *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
