"""Alert sinks against real endpoints: Slack on a local HTTP server, SNS on moto with an SQS subscriber."""

from __future__ import annotations

import json
import logging

import boto3
import pytest

from icespec.alerts import (
    DRIFT_DETECTED,
    DRIFT_RESOLVED,
    Alert,
    AlertChange,
    AlertConfigError,
    LogSink,
    build_sinks,
    deliver,
    sinks_from_env,
)
from icespec.alerts.slack import MAX_BLOCKS, MAX_SECTION_TEXT, SlackSink
from icespec.alerts.sns import MAX_MESSAGE_BYTES, SnsSink, sns_message, sns_subject


def drift_alert(changes: int = 3, table: str = "sales.orders") -> Alert:
    base = [
        AlertChange(
            "drop_column",
            "coupon_code",
            "string",
            None,
            "live column 'coupon_code' is not in the template",
            True,
            "table-templates/orders.yaml:7",
        ),
        AlertChange(
            "set_property",
            "write.format.default",
            "avro",
            "parquet",
            "property 'write.format.default' is 'avro' live, template says 'parquet'",
            False,
            "table-templates/orders.yaml:60",
        ),
        AlertChange(
            "add_partition_field",
            "order_date_month",
            None,
            {"column": "order_date", "transform": "month"},
            "partition field 'order_date_month' <missing> & differs",
            False,
            "table-templates/orders.yaml:52",
        ),
    ]
    extra = [
        AlertChange(
            "update_doc", f"c{i}", f"doc {i}", f"other doc {i} " + "x" * 80, f"doc of c{i} differs " * 5
        )
        for i in range(max(0, changes - len(base)))
    ]
    return Alert(
        event=DRIFT_DETECTED,
        table=table,
        severity="critical",
        summary=f"{changes} difference(s) between the live table and its template",
        fix="Run `icespec apply`, or edit table-templates/orders.yaml line 7 to describe the live column",
        changes=tuple((base + extra)[:changes]),
        template="table-templates/orders.yaml",
        fingerprint="0123456789abcdef",
        context={"backend": "local"},
    )


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


# -- Slack ------------------------------------------------------------------------------------------


def test_slack_webhook_receives_block_kit_with_table_diff_severity_and_fix(slack):
    sink = SlackSink(webhook_url=slack.webhook_url, backoff_seconds=0.01)
    results = deliver([drift_alert()], [sink])

    assert [r.ok for r in results] == [True]
    (request,) = slack.requests
    assert request.path == "/services/T000/B000/XXXX"
    payload = request.body
    assert "Drift detected: sales.orders" in payload["text"]
    blocks = payload["blocks"]
    assert blocks[0]["type"] == "header" and "sales.orders" in blocks[0]["text"]["text"]
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in blocks[2]["fields"]}
    assert fields["*Table*"] == "`sales.orders`"
    assert fields["*Severity*"] == "CRITICAL"
    assert fields["*Template*"] == "`table-templates/orders.yaml`"
    diff = next(t for t in section_texts(blocks) if "Live table → template" in t)
    assert "*drop_column* `coupon_code`: `string` → — :rotating_light: breaking" in diff
    assert "*set_property* `write.format.default`: `avro` → `parquet`" in diff
    assert "_table-templates/orders.yaml:60_" in diff
    assert "&lt;missing&gt; &amp; differs" in diff  # mrkdwn control characters are escaped
    fix = next(t for t in section_texts(blocks) if t.startswith("*Fix*"))
    assert "`icespec apply`" in fix and "orders.yaml line 7" in fix


def test_slack_bot_token_posts_to_the_channel(slack):
    sink = SlackSink(
        bot_token="xoxb-test-token", channel="#lakehouse-alerts", api_base_url=slack.api_base_url
    )
    results = deliver([drift_alert()], [sink])

    assert [r.ok for r in results] == [True]
    (request,) = slack.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == "Bearer xoxb-test-token"
    assert request.body["channel"] == "#lakehouse-alerts"
    assert request.body["blocks"][0]["type"] == "header"


def test_slack_server_error_is_retried_then_delivered(slack):
    slack.failures.extend([500, 503])
    sink = SlackSink(webhook_url=slack.webhook_url, retries=2, backoff_seconds=0.01)
    results = deliver([drift_alert()], [sink])

    assert [r.ok for r in results] == [True]
    assert len(slack.requests) == 3  # two failures, then the delivery


def test_a_failing_slack_is_logged_and_the_other_sinks_still_deliver(slack, caplog):
    slack.failures.extend([500] * 10)
    sink = SlackSink(webhook_url=slack.webhook_url, retries=1, backoff_seconds=0.01)
    delivered: list[Alert] = []

    class Recorder:
        name = "recorder"

        def send(self, alert: Alert) -> None:
            delivered.append(alert)

    with caplog.at_level(logging.ERROR, logger="icespec.alerts"):
        results = deliver([drift_alert()], [sink, Recorder()])

    assert [(r.sink, r.ok) for r in results] == [("slack:webhook", False), ("recorder", True)]
    assert "HTTP 500" in results[0].error
    assert len(slack.requests) == 2  # the first try and one retry
    assert len(delivered) == 1
    assert any("not delivered to slack:webhook" in r.getMessage() for r in caplog.records)


def test_slack_rejecting_the_token_is_a_failed_delivery_not_a_crash(slack):
    sink = SlackSink(bot_token="xoxb-wrong", channel="#x", api_base_url=slack.api_base_url)
    (result,) = deliver([drift_alert()], [sink])
    assert not result.ok and "invalid_auth" in result.error


def test_a_huge_diff_stays_within_block_kit_limits_and_says_how_many_are_not_shown(slack):
    alert = drift_alert(changes=600)
    deliver([alert], [SlackSink(webhook_url=slack.webhook_url)])

    blocks = slack.requests[0].body["blocks"]
    assert len(blocks) <= MAX_BLOCKS
    texts = section_texts(blocks)
    assert all(len(t) <= MAX_SECTION_TEXT for t in texts)
    shown = sum(t.count("\n• ") + t.startswith("• ") for t in texts)
    note = next(
        e["text"]
        for b in blocks
        if b["type"] == "context"
        for e in b["elements"]
        if "more change" in e["text"]
    )
    hidden = int(note.split("and ")[1].split(" more")[0])
    assert shown + hidden == 600 and hidden > 0
    assert blocks[-2]["text"]["text"].startswith("*Fix*")  # the fix is never pushed out


# -- SNS --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sns_topic(aws_env):
    sns = boto3.client("sns", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    topic_arn = sns.create_topic(Name="icespec-drift-alerts-test")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="icespec-drift-alerts-test")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    return {"topic_arn": topic_arn, "queue_url": queue_url, "sqs": sqs, "endpoint": aws_env["endpoint"]}


def read_queue(sns_topic) -> list[dict]:
    answer = sns_topic["sqs"].receive_message(
        QueueUrl=sns_topic["queue_url"], MaxNumberOfMessages=10, WaitTimeSeconds=1
    )
    messages = answer.get("Messages", [])
    for message in messages:
        sns_topic["sqs"].delete_message(
            QueueUrl=sns_topic["queue_url"], ReceiptHandle=message["ReceiptHandle"]
        )
    return [json.loads(m["Body"]) for m in messages]


def test_sns_publishes_json_body_and_readable_text_to_an_sqs_subscriber(sns_topic):
    sink = SnsSink(sns_topic["topic_arn"], endpoint_url=sns_topic["endpoint"])
    (result,) = deliver([drift_alert()], [sink])
    assert result.ok, result.error

    (envelope,) = read_queue(sns_topic)
    assert envelope["Subject"] == "[icespec] CRITICAL Drift detected: sales.orders"
    assert envelope["MessageAttributes"]["severity"]["Value"] == "critical"
    assert envelope["MessageAttributes"]["event"]["Value"] == DRIFT_DETECTED
    body = json.loads(envelope["Message"])  # SQS subscribers get the JSON body
    assert body["table"] == "sales.orders" and body["event"] == DRIFT_DETECTED
    assert [c["kind"] for c in body["changes"]] == ["drop_column", "set_property", "add_partition_field"]
    assert body["changes"][1] == {
        "kind": "set_property",
        "path": "write.format.default",
        "before": "avro",
        "after": "parquet",
        "message": "property 'write.format.default' is 'avro' live, template says 'parquet'",
        "breaking": False,
        "location": "table-templates/orders.yaml:60",
    }
    assert body["changes_omitted"] == 0
    assert "Fix: Run `icespec apply`" in body["text"]  # and the readable text rides along


def test_sns_subject_is_ascii_printable_and_under_100_characters():
    alert = drift_alert(table="lakehouse.événements_" + "x" * 150)
    subject = sns_subject(alert)
    assert len(subject) < 100
    assert all(32 <= ord(ch) < 127 for ch in subject)
    assert subject.startswith(
        "[icespec] CRITICAL Drift detected: lakehouse.?v?nements_x"
    ) and subject.endswith("...")


def test_an_oversized_alert_lists_fewer_changes_and_says_so(sns_topic):
    alert = drift_alert(changes=5000)
    message = sns_message(alert)
    assert len(message.encode()) <= MAX_MESSAGE_BYTES
    body = json.loads(json.loads(message)["sqs"])
    assert body["changes_total"] == 5000
    assert body["changes_omitted"] == 5000 - len(body["changes"]) > 0
    assert "more change(s): run `icespec drift`" in body["text"]

    (result,) = deliver([alert], [SnsSink(sns_topic["topic_arn"], endpoint_url=sns_topic["endpoint"])])
    assert result.ok, result.error
    (envelope,) = read_queue(sns_topic)
    assert json.loads(envelope["Message"])["changes_total"] == 5000


def test_publishing_to_a_missing_topic_is_a_failed_delivery_not_a_crash(sns_topic):
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    sink = SnsSink(missing, endpoint_url=sns_topic["endpoint"], retries=1)
    resolved = Alert(event=DRIFT_RESOLVED, table="sales.orders", severity="info", summary="gone")
    results = deliver([resolved], [LogSink(), sink])
    assert [r.ok for r in results] == [True, False]
    assert "NotFound" in results[1].error


# -- configuration ---------------------------------------------------------------------------------


def test_sinks_come_from_environment_variables(slack, sns_topic):
    sinks = sinks_from_env(
        {
            "ICESPEC_SLACK_WEBHOOK_URL": slack.webhook_url,
            "ICESPEC_SNS_TOPIC_ARN": sns_topic["topic_arn"],
            "ICESPEC_AWS_ENDPOINT_URL": sns_topic["endpoint"],
        }
    )
    assert [s.name for s in sinks] == ["log", "slack:webhook", "sns"]
    assert [s.name for s in sinks_from_env({})] == ["log"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ICESPEC_SLACK_BOT_TOKEN": "xoxb-1"}, "ICESPEC_SLACK_CHANNEL"),
        ({"ICESPEC_SLACK_CHANNEL": "#x"}, "ICESPEC_SLACK_BOT_TOKEN"),
        (
            {"ICESPEC_SLACK_WEBHOOK_URL": "https://h", "ICESPEC_SLACK_BOT_TOKEN": "xoxb-1"},
            "ICESPEC_SLACK_WEBHOOK_URL",
        ),
        ({"ICESPEC_SLACK_WEBHOOK_URL": "hooks.slack.com/x"}, "ICESPEC_SLACK_WEBHOOK_URL"),
        ({"ICESPEC_SNS_TOPIC_ARN": "my-topic"}, "ICESPEC_SNS_TOPIC_ARN"),
    ],
)
def test_unusable_alert_settings_name_the_variable(env, named):
    with pytest.raises(AlertConfigError, match=named):
        build_sinks(**{k.removeprefix("ICESPEC_").lower(): v for k, v in env.items()})
