"""Launch moto's server with the fixes Terraform's AWS provider needs, then hand over to moto.

Usage: python tests/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2.5 differs from AWS in a few places that make the provider hang, fail or see a perpetual
diff (docs/deployment-aws.md, "Testing offline"). Each numbered patch below restores AWS's
documented behaviour for one API and nothing more; they live here, not in a conftest, so the
server runs in its own process exactly as `moto_server` would.
"""

from __future__ import annotations

import fnmatch
import json
import re
import sys
from contextvars import ContextVar

import moto.server
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ec2.models import security_groups as ec2_security_groups
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.iam.models import iam_backends
from moto.lakeformation import models as lf_models
from moto.lakeformation.exceptions import InvalidInput
from moto.lakeformation.responses import LakeFormationResponse
from moto.s3 import models as s3_models
from moto.s3.responses import S3Response
from moto.sts.models import sts_backends
from moto.utilities.tagging_service import TaggingService

# --- 1. Lake Formation ListPermissions ------------------------------------------------------
# AWS returns TableWithColumns grants when filtering by a Table, and filters LFTagPolicy and LFTag
# grants by their tag; moto drops the first and rejects the others, so the provider never finds
# the grant it just made. Follows: AWS Lake Formation API Reference, "ListPermissions" (Resource
# filter; a TableWithColumns grant is a grant on that table's columns), and the AWS provider's
# lakeformation permissions read, which finds column grants through exactly this filter.
_original_list_permissions = LakeFormationResponse.list_permissions


def _same_expression(left: list[dict], right: list[dict]) -> bool:
    def canonical(expression: list[dict]) -> set[tuple[str, tuple[str, ...]]]:
        return {(term["TagKey"], tuple(sorted(term["TagValues"]))) for term in expression}

    return canonical(left) == canonical(right)


def _list_permissions(self: LakeFormationResponse) -> str:
    resource = self._get_param("Resource") or {}
    principal = self._get_param("Principal")
    catalog_id = self._get_param("CatalogId") or self.current_account
    backend = self.lakeformation_backend
    grants = list(backend.grants[catalog_id].permissions) if catalog_id in backend.grants else []
    if principal is not None:
        grants = [grant for grant in grants if grant.principal == principal]

    if "LFTagPolicy" in resource:
        wanted = resource["LFTagPolicy"]
        found = [
            grant
            for grant in grants
            if "LFTagPolicy" in grant.resource
            and grant.resource["LFTagPolicy"].get("ResourceType") == wanted.get("ResourceType")
            and _same_expression(grant.resource["LFTagPolicy"].get("Expression", []), wanted["Expression"])
        ]
        return json.dumps({"PrincipalResourcePermissions": [grant.to_external_form() for grant in found]})

    if "LFTag" in resource:
        wanted = resource["LFTag"]
        found = [
            grant
            for grant in grants
            if "LFTag" in grant.resource and grant.resource["LFTag"].get("TagKey") == wanted.get("TagKey")
        ]
        return json.dumps({"PrincipalResourcePermissions": [grant.to_external_form() for grant in found]})

    if "Table" in resource and "Name" in resource["Table"]:
        table = resource["Table"]
        with_columns = [
            grant
            for grant in grants
            if "TableWithColumns" in grant.resource
            and grant.resource["TableWithColumns"]["DatabaseName"] == table["DatabaseName"]
            and grant.resource["TableWithColumns"]["Name"] == table["Name"]
        ]
        listed = json.loads(_original_list_permissions(self))
        listed["PrincipalResourcePermissions"] += [grant.to_external_form() for grant in with_columns]
        return json.dumps(listed)

    return _original_list_permissions(self)


LakeFormationResponse.list_permissions = _list_permissions

# --- 2. Lake Formation RevokePermissions of a grant that does not exist ---------------------------
# AWS answers InvalidInputException "No permissions revoked"; the provider waits for exactly that.
# Follows: AWS Lake Formation API Reference, "RevokePermissions" (Errors: InvalidInputException),
# and the AWS provider's lakeformation permissions delete, which treats that message as done.
_original_revoke = lf_models.LakeFormationBackend.revoke_permissions


def _revoke_permissions(
    self, catalog_id, principal, resource, permissions_to_revoke, permissions_with_grant_options_to_revoke
):
    existing = self.grants.get(catalog_id)
    matches = [
        grant
        for grant in (existing.permissions if existing else [])
        if grant.principal == principal
        and grant.resource == resource
        and (
            set(permissions_to_revoke or []) & set(grant.permissions)
            or set(permissions_with_grant_options_to_revoke or []) & set(grant.permissions_with_grant_options)
        )
    ]
    if not matches:
        raise InvalidInput("No permissions revoked. Grantee has no permissions on the resource.")
    _original_revoke(
        self, catalog_id, principal, resource, permissions_to_revoke, permissions_with_grant_options_to_revoke
    )


lf_models.LakeFormationBackend.revoke_permissions = _revoke_permissions

# --- 3. Application Auto Scaling tagging ------------------------------------------------------
# The provider tags scalable targets (at registration and later) and reads the tags back; moto
# has no tagging API for it and ignores tags given at registration. Follows: Application Auto
# Scaling API Reference, "TagResource", "UntagResource", "ListTagsForResource", and
# "RegisterScalableTarget" (Tags).
_autoscaling_tags = TaggingService()


def _list_tags_for_resource(self: ApplicationAutoScalingResponse) -> str:
    arn = self._get_param("ResourceARN")
    return json.dumps({"Tags": _autoscaling_tags.get_tag_dict_for_resource(arn)})


def _tag_resource(self: ApplicationAutoScalingResponse) -> str:
    tags = self._get_param("Tags") or {}
    _autoscaling_tags.tag_resource(
        self._get_param("ResourceARN"), [{"Key": k, "Value": v} for k, v in tags.items()]
    )
    return "{}"


def _untag_resource(self: ApplicationAutoScalingResponse) -> str:
    _autoscaling_tags.untag_resource_using_names(
        self._get_param("ResourceARN"), self._get_param("TagKeys") or []
    )
    return "{}"


_original_register_scalable_target = ApplicationAutoScalingResponse.register_scalable_target


def _register_scalable_target(self: ApplicationAutoScalingResponse) -> str:
    result = _original_register_scalable_target(self)
    tags = self._get_param("Tags") or {}
    if tags:
        _autoscaling_tags.tag_resource(
            json.loads(result)["ScalableTargetARN"], [{"Key": k, "Value": v} for k, v in tags.items()]
        )
    return result


ApplicationAutoScalingResponse.register_scalable_target = _register_scalable_target
ApplicationAutoScalingResponse.list_tags_for_resource = _list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = _tag_resource
ApplicationAutoScalingResponse.untag_resource = _untag_resource

# --- 4. ECS service settings AWS reports back -------------------------------------------------
# AWS always reports availabilityZoneRebalancing and healthCheckGracePeriodSeconds as requested
# (or their defaults); moto drops them and the provider plans a change on every run. Follows:
# Amazon ECS API Reference, CreateService: "when no value is specified for
# AvailabilityZoneRebalancing, Amazon ECS defaults the value to ENABLED"; an update keeps the
# service's value; healthCheckGracePeriodSeconds defaults to 0.
_ECHOED_SERVICE_SETTINGS = {
    "availabilityZoneRebalancing": ("availability_zone_rebalancing", "ENABLED"),
    "healthCheckGracePeriodSeconds": ("health_check_grace_period_seconds", 0),
}
_original_create_service = EC2ContainerServiceResponse.create_service
_original_update_service = EC2ContainerServiceResponse.update_service


def _remember_service_settings(self: EC2ContainerServiceResponse, service_name: str) -> None:
    cluster = self._get_param("cluster", "default").split("/")[-1]
    service = self.ecs_backend.services.get(f"{cluster}:{service_name}")
    if service is None:
        return
    for param, (attribute, default) in _ECHOED_SERVICE_SETTINGS.items():
        requested = self._get_param(param)
        if requested is not None:
            setattr(service, attribute, requested)
        elif not hasattr(service, attribute):
            setattr(service, attribute, default)


def _create_service(self: EC2ContainerServiceResponse):
    result = _original_create_service(self)
    _remember_service_settings(self, self._get_param("serviceName"))
    return result


def _update_service(self: EC2ContainerServiceResponse):
    result = _original_update_service(self)
    _remember_service_settings(self, self._get_param("service", "").split("/")[-1])
    return result


EC2ContainerServiceResponse.create_service = _create_service
EC2ContainerServiceResponse.update_service = _update_service

# --- 5. S3 bucket policy conditions -------------------------------------------------------------
# moto ignores a statement's Condition block, so "Deny s3:* when aws:SecureTransport is false"
# denies every request and a conditional Deny of puts applies to all of them. This evaluates the
# conditions the lake's policies use the way the IAM User Guide documents it ("IAM JSON policy
# elements: Condition operators", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):
# - a key absent from the request makes a plain operator false and a negated one (StringNotEquals,
#   ...Not...) true, unless the operator ends in IfExists (then that key's test is true);
# - `Null` is true when the key's presence is as asked ("true": absent, "false": present);
# - several values under one key match if any does; several keys and operators must all hold.
# The request context is the request's own: the object PUT's x-amz-server-side-encryption headers
# (the S3 condition keys of the same names, S3 User Guide "Amazon S3 condition key examples");
# aws:PrincipalArn, the caller's ARN, which for an assumed-role session is the role's ARN (IAM User
# Guide, "AWS global condition context keys": aws:PrincipalArn) and for credentials moto does not
# know moto's default identity, the user "moto" (its GetCallerIdentity answers so); and
# aws:SecureTransport, true because
# moto's plain-HTTP endpoint stands in for AWS's TLS one.
_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("s3_request_context", default=None)
_SSE_HEADERS = ("x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")
_PLAIN = {
    "Bool": lambda actual, wanted: actual.lower() in wanted,
    "StringEquals": lambda actual, wanted: actual in wanted,
    "StringEqualsIgnoreCase": lambda actual, wanted: actual.lower() in [w.lower() for w in wanted],
    "StringLike": lambda actual, wanted: any(fnmatch.fnmatchcase(actual, w) for w in wanted),
    "ArnEquals": lambda actual, wanted: actual in wanted,
    "ArnLike": lambda actual, wanted: any(fnmatch.fnmatchcase(actual, w) for w in wanted),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def principal_arn(lowered_headers: dict[str, str], account_id: str = DEFAULT_ACCOUNT_ID) -> str:
    """aws:PrincipalArn of a signed request: its assumed role, IAM user, or moto's default user."""
    credential = re.search(r"Credential=([^/,\s]+)/", lowered_headers.get("authorization", ""))
    key_id = credential.group(1) if credential else ""
    for assumed in sts_backends[account_id]["aws"].assumed_roles:
        if assumed.access_key_id == key_id:
            return assumed.role_arn
    for user in iam_backends[account_id]["aws"].users.values():
        if any(key.access_key_id == key_id for key in user.access_keys):
            return user.arn
    return f"arn:aws:iam::{account_id}:user/moto"


def request_context(headers: dict[str, str]) -> dict[str, str]:
    lowered = {name.lower(): value for name, value in headers.items()}
    context = {"aws:SecureTransport": "true", "aws:PrincipalArn": principal_arn(lowered)}
    context.update({f"s3:{name}": lowered[name] for name in _SSE_HEADERS if name in lowered})
    return context


def condition_holds(conditions: dict, context: dict[str, str]) -> bool:
    for operator, pairs in conditions.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        for key, expected in pairs.items():
            wanted = [str(v) for v in (expected if isinstance(expected, list) else [expected])]
            actual = context.get(key)
            if base == "Null":
                if (actual is None) != (wanted[0].lower() == "true"):
                    return False
                continue
            if actual is None:
                if if_exists or base in _NEGATED:
                    continue
                return False
            if base in _NEGATED:
                if _PLAIN[_NEGATED[base]](actual, wanted):
                    return False
            elif base in _PLAIN:
                if not _PLAIN[base](actual, wanted):
                    return False
            else:
                raise NotImplementedError(f"moto patch 5 does not evaluate the {operator} operator yet")
    return True


def _bucket_permission(self, action: str, resource: str):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    statements = json.loads(self.policy.decode())["Statement"]
    result = PermissionResult.NEUTRAL
    for raw in statements if isinstance(statements, list) else [statements]:
        context = _REQUEST.get() or {"aws:SecureTransport": "true"}  # requests without headers of their own
        if "Condition" in raw and not condition_holds(raw["Condition"], context):
            continue
        unconditional = {key: value for key, value in raw.items() if key != "Condition"}
        permission = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
        if permission == PermissionResult.DENIED:
            return permission
        if permission == PermissionResult.PERMITTED:
            result = permission
    return result


_original_key_response = S3Response._key_response


def _key_response(self, request, full_url):
    token = _REQUEST.set(request_context(dict(request.headers)))
    try:
        return _original_key_response(self, request, full_url)
    finally:
        _REQUEST.reset(token)


s3_models.FakeBucket.get_permission = _bucket_permission
S3Response._key_response = _key_response

# --- 6. EC2 security group rules that reference a group keep their description ------------------
# Follows: Amazon EC2 API Reference, data type "SecurityGroupRule" (Description), which AWS returns
# for a rule that references a security group as for one with a CIDR.
ec2_security_groups.SecurityGroupRule.description = property(
    lambda rule: rule.ip_range.get("Description") or rule.source_group.get("Description")
)


if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
