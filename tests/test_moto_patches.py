"""The moto server's patches follow AWS's documentation (tests/moto_server.py).

Each test states the documented rule and shows the patched server applying it through the real
S3 API, so a patch can never quietly make our assumption true instead of AWS's behaviour.
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.moto

LAKE_KEY = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555"


def _s3(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _deny_put(sid: str, conditions: dict) -> dict:
    return {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Condition": conditions}


def _bucket(s3, statements: list[dict]) -> str:
    name = f"policy-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    for statement in statements:
        statement["Resource"] = f"arn:aws:s3:::{name}/*"
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return name


def _put(s3, bucket: str, **headers: str) -> str:
    try:
        s3.put_object(Bucket=bucket, Key=f"k-{uuid.uuid4().hex[:6]}", Body=b"x", **headers)
    except ClientError as error:  # moto answers the bucket policy's Deny with a bare 403
        denied = error.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        return "AccessDenied" if denied else error.response["Error"]["Code"]
    return "ok"


def test_a_negated_operator_on_an_absent_key_is_true(moto_endpoint: str):
    """IAM User Guide, "IAM JSON policy elements: Condition operators": with a negated operator
    (StringNotEquals), a condition key absent from the request makes the condition true, so this
    Deny applies to every put that sends no encryption header: the lake policy icespec had before."""
    s3 = _s3(moto_endpoint)
    bucket = _bucket(
        s3, [_deny_put("DenyNotKms", {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}})]
    )
    assert _put(s3, bucket) == "AccessDenied"
    assert _put(s3, bucket, ServerSideEncryption="aws:kms") == "ok"


def test_a_null_guard_limits_the_deny_to_requests_that_send_the_header(moto_endpoint: str):
    """The same page: `Null` with "false" holds only when the key is present. The lake's policy
    (terraform/modules/storage) pairs it with each negated test: header-less puts get the bucket's
    default encryption; a put asking for another algorithm or another key is denied."""
    s3 = _s3(moto_endpoint)
    algorithm = "s3:x-amz-server-side-encryption"
    key_id = "s3:x-amz-server-side-encryption-aws-kms-key-id"
    bucket = _bucket(
        s3,
        [
            _deny_put("NotKms", {"Null": {algorithm: "false"}, "StringNotEquals": {algorithm: "aws:kms"}}),
            _deny_put("OtherKey", {"Null": {key_id: "false"}, "StringNotEquals": {key_id: LAKE_KEY}}),
        ],
    )
    assert _put(s3, bucket) == "ok"
    assert _put(s3, bucket, ServerSideEncryption="AES256") == "AccessDenied"
    assert _put(s3, bucket, ServerSideEncryption="aws:kms", SSEKMSKeyId=OTHER_KEY) == "AccessDenied"
    assert _put(s3, bucket, ServerSideEncryption="aws:kms", SSEKMSKeyId=LAKE_KEY) == "ok"


def test_if_exists_and_secure_transport(moto_endpoint: str):
    """...IfExists: an absent key makes that test true. aws:SecureTransport is true: moto's plain
    HTTP endpoint stands in for AWS's TLS one, so a Deny on insecure transport does not apply."""
    s3 = _s3(moto_endpoint)
    bucket = _bucket(
        s3,
        [
            _deny_put("Insecure", {"Bool": {"aws:SecureTransport": "false"}}),
            _deny_put(
                "NotKmsIfSent", {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}
            ),
        ],
    )
    assert _put(s3, bucket) == "AccessDenied"  # absent + IfExists: the negated test is true
    bucket = _bucket(s3, [_deny_put("Insecure", {"Bool": {"aws:SecureTransport": "false"}})])
    assert _put(s3, bucket) == "ok"


def test_the_principal_of_an_assumed_role_session_is_its_role(moto_endpoint: str):
    """IAM User Guide, "AWS global condition context keys", aws:PrincipalArn: for an assumed-role
    session it is the role's ARN. The lake's warehouse policy denies GetObject to every principal
    but its listed roles (terraform/modules/storage); credentials moto does not know are its
    default user, which is not listed."""
    s3 = _s3(moto_endpoint)
    kwargs = {"endpoint_url": moto_endpoint, "region_name": "us-east-1"}
    iam = boto3.client("iam", aws_access_key_id="test", aws_secret_access_key="test", **kwargs)
    sts = boto3.client("sts", aws_access_key_id="test", aws_secret_access_key="test", **kwargs)
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
        }
    )
    suffix = uuid.uuid4().hex[:8]
    listed = iam.create_role(RoleName=f"listed-{suffix}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    other = iam.create_role(RoleName=f"other-{suffix}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    bucket = _bucket(
        s3,
        [
            {
                "Sid": "DenyUnlisted",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": [listed]}},
            }
        ],
    )
    s3.put_object(Bucket=bucket, Key="data.parquet", Body=b"x")

    def get_as(role_arn: str | None) -> str:
        client = s3
        if role_arn is not None:
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="test")["Credentials"]
            client = boto3.client(
                "s3",
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
                **kwargs,
            )
        try:
            client.get_object(Bucket=bucket, Key="data.parquet")["Body"].read()
        except ClientError as error:
            return str(error.response["ResponseMetadata"]["HTTPStatusCode"])
        return "ok"

    assert get_as(listed) == "ok"
    assert get_as(other) == "403"
    assert get_as(None) == "403"  # moto's default identity is not listed


def _client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_lake_formation_lists_column_grants_by_table_and_refuses_revoking_nothing(moto_endpoint: str):
    """Lake Formation API Reference, "ListPermissions": filtered by a table, the grants on its
    columns (TableWithColumns) are listed; "RevokePermissions": revoking a grant that is not there
    is an InvalidInputException."""
    lakeformation, glue = _client("lakeformation", moto_endpoint), _client("glue", moto_endpoint)
    database = f"patches_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "string"}]}},
    )
    principal = {"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/analyst"}
    columns = {"TableWithColumns": {"DatabaseName": database, "Name": "t", "ColumnNames": ["a"]}}
    lakeformation.grant_permissions(Principal=principal, Resource=columns, Permissions=["SELECT"])
    listed = lakeformation.list_permissions(Resource={"Table": {"DatabaseName": database, "Name": "t"}})
    assert any("TableWithColumns" in p["Resource"] for p in listed["PrincipalResourcePermissions"])
    lakeformation.revoke_permissions(Principal=principal, Resource=columns, Permissions=["SELECT"])
    with pytest.raises(ClientError) as nothing:
        lakeformation.revoke_permissions(Principal=principal, Resource=columns, Permissions=["SELECT"])
    assert nothing.value.response["Error"]["Code"] == "InvalidInputException"
    assert "No permissions revoked" in nothing.value.response["Error"]["Message"]


def test_application_auto_scaling_tags_scalable_targets(moto_endpoint: str):
    """Application Auto Scaling API Reference: TagResource, ListTagsForResource, UntagResource, and
    RegisterScalableTarget's Tags."""
    autoscaling, ecs = _client("application-autoscaling", moto_endpoint), _client("ecs", moto_endpoint)
    cluster = f"scaling-{uuid.uuid4().hex[:6]}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "c", "image": "x", "memory": 64}]
    )
    ecs.create_service(cluster=cluster, serviceName="svc", taskDefinition=cluster, desiredCount=0)
    resource = f"service/{cluster}/svc"
    autoscaling.register_scalable_target(
        ServiceNamespace="ecs", ResourceId=resource, ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1, MaxCapacity=2, Tags={"team": "data"},
    )  # fmt: skip
    (target,) = autoscaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])[
        "ScalableTargets"
    ]
    arn = target["ScalableTargetARN"]
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "data"}
    autoscaling.tag_resource(ResourceARN=arn, Tags={"env": "dev"})
    autoscaling.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert autoscaling.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"env": "dev"}


def test_ecs_reports_the_service_settings_it_was_given(moto_endpoint: str):
    """Amazon ECS API Reference, CreateService: "when no value is specified for
    AvailabilityZoneRebalancing, Amazon ECS defaults the value to ENABLED"; healthCheckGracePeriodSeconds
    comes back as set."""
    ecs = _client("ecs", moto_endpoint)
    cluster = f"patches-{uuid.uuid4().hex[:6]}"
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=cluster, containerDefinitions=[{"name": "c", "image": "x", "memory": 64}]
    )
    ecs.create_service(cluster=cluster, serviceName="plain", taskDefinition=cluster, desiredCount=0)
    ecs.create_service(
        cluster=cluster, serviceName="tuned", taskDefinition=cluster, desiredCount=0,
        availabilityZoneRebalancing="DISABLED", healthCheckGracePeriodSeconds=30,
    )  # fmt: skip
    services = {
        s["serviceName"]: s
        for s in ecs.describe_services(cluster=cluster, services=["plain", "tuned"])["services"]
    }
    assert services["plain"]["availabilityZoneRebalancing"] == "ENABLED"
    assert services["tuned"]["availabilityZoneRebalancing"] == "DISABLED"
    assert services["tuned"]["healthCheckGracePeriodSeconds"] == 30
