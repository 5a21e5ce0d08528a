"""On moto's Glue + S3: hand changes are alerted once to SNS (read back from SQS), reverting resolves."""

from __future__ import annotations

import json

import boto3
import pytest
from pyiceberg.transforms import DayTransform
from pyiceberg.types import StringType

from icespec.alerts.sns import SnsSink
from icespec.drift import DriftCursor, detect_drift, notify

pytestmark = pytest.mark.moto


@pytest.fixture()
def sns_queue(aws_env):
    sns = boto3.client("sns", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    sqs = boto3.client("sqs", endpoint_url=aws_env["endpoint"], region_name="us-east-1")
    topic_arn = sns.create_topic(Name="icespec-drift-glue")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="icespec-drift-glue")["QueueUrl"]
    sqs.purge_queue(QueueUrl=queue_url)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def received() -> list[dict]:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]

    return SnsSink(topic_arn, endpoint_url=aws_env["endpoint"]), received


def test_hand_changes_on_glue_alert_once_and_revert_resolves(glue_lakehouse, sns_queue):
    sink, received = sns_queue
    orders_spec = glue_lakehouse.spec("orders")
    cursor = DriftCursor()

    def tick() -> list[dict]:
        nonlocal cursor
        report = detect_drift(glue_lakehouse.specs, glue_lakehouse.catalog)
        result = notify(report, cursor, [sink], context={"backend": "aws-glue"})
        assert not result.failed
        cursor = result.cursor
        return received()

    assert tick() == []

    with glue_lakehouse.table("orders").update_schema() as update:
        update.add_column("coupon_code", StringType())
    with glue_lakehouse.table("orders").transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "3"})
    with glue_lakehouse.table("orders").update_spec() as update:
        update.add_field("order_date", DayTransform(), "order_date_day")

    (alert,) = tick()
    assert (alert["event"], alert["table"], alert["severity"]) == (
        "drift_detected",
        orders_spec.full_name,
        "critical",
    )
    assert sorted((c["kind"], c["path"]) for c in alert["changes"]) == [
        ("drop_column", "coupon_code"),
        ("remove_partition_field", "order_date_day"),
        ("set_property", "commit.retry.num-retries"),
    ]
    assert alert["context"] == {"backend": "aws-glue"}
    assert tick() == []  # same drift, next tick: nothing

    with glue_lakehouse.table("orders").update_schema() as update:
        update.delete_column("coupon_code")
    with glue_lakehouse.table("orders").transaction() as tx:
        tx.set_properties({"commit.retry.num-retries": "10"})
    with glue_lakehouse.table("orders").update_spec() as update:
        update.remove_field("order_date_day")

    (resolved,) = tick()
    assert (resolved["event"], resolved["table"]) == ("drift_resolved", orders_spec.full_name)
    assert tick() == []


def test_a_glue_table_without_its_metadata_is_reported_and_the_others_checked(glue_lakehouse, aws_env):
    location = glue_lakehouse.table("orders").metadata_location  # s3://bucket/key
    bucket, key = location.removeprefix("s3://").split("/", 1)
    boto3.client("s3", endpoint_url=aws_env["endpoint"], region_name="us-east-1").delete_object(
        Bucket=bucket, Key=key
    )
    with glue_lakehouse.table("scd_type2").update_schema() as update:
        update.add_column(("address", "zip"), StringType())

    report = detect_drift(glue_lakehouse.specs, glue_lakehouse.catalog)

    by_name = {t.spec.name: t for t in report.tables}
    assert by_name["orders"].status == "error"
    assert by_name["scd_type2"].status == "drift"
    assert [c.path for c in by_name["scd_type2"].changes] == ["address.zip"]
    assert report.exit_code == 1
