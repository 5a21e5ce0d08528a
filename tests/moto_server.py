"""Launch moto's server with the fixes Terraform's AWS provider needs, then hand over to moto.

Usage: python tests/moto_server.py -H 127.0.0.1 -p PORT

moto 5.2.5 differs from AWS in a few places that make the provider hang or see a perpetual diff
(docs: /work/shared/environment.md). Each patch below restores AWS's documented behaviour for
one API and nothing more; they live here, not in a conftest, so the server runs in its own process
exactly as `moto_server` would.
"""

from __future__ import annotations

import json
import sys

import moto.server
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.ecs import models as ecs_models
from moto.lakeformation import models as lf_models
from moto.lakeformation.exceptions import InvalidInput
from moto.lakeformation.responses import LakeFormationResponse
from moto.utilities.tagging_service import TaggingService

# --- 1 + 5. Lake Formation ListPermissions ------------------------------------------------------
# AWS returns TableWithColumns grants when filtering by a Table, and filters LFTagPolicy grants by
# their expression; moto drops both, so the provider never finds the grant it just made.
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
# The provider tags scalable targets and reads the tags back; moto has no tagging API for it.
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


ApplicationAutoScalingResponse.list_tags_for_resource = _list_tags_for_resource
ApplicationAutoScalingResponse.tag_resource = _tag_resource
ApplicationAutoScalingResponse.untag_resource = _untag_resource

# --- 4. ECS DescribeServices availabilityZoneRebalancing --------------------------------------
# AWS always reports the setting; without it the provider plans a change on every run.
_original_service_init = ecs_models.Service.__init__


def _service_init(self, *args, **kwargs):
    _original_service_init(self, *args, **kwargs)
    self.availability_zone_rebalancing = "DISABLED"


ecs_models.Service.__init__ = _service_init


if __name__ == "__main__":
    moto.server.main(sys.argv[1:])
