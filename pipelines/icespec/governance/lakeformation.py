"""Lake Formation column tags from the templates (aws-glue backend).

Terraform creates the LF tags (`access_level`: public/internal/restricted, `pii`: true/false), the
tag-based grants and the fail-closed database default (`access_level=restricted`). This module
assigns each column's tags from its template, so access follows the YAML at every `icespec apply`:

- `desired_column_tags(spec)` — pure: the tags each top-level column must carry. Lake Formation
  tags top-level columns, so a struct gets the most restrictive access_level found in it and
  `pii=true` if any nested field is pii.
- `read_column_tags(...)` — the tags assigned on the live Glue table's columns.
- `plan_column_tags(...)` — pure: the difference, as `ColumnTagChange`s (for plan and drift).
- `apply_column_tags(...)` — read, diff and apply the difference; returns the changes made.

A column in the live table that no template describes loses its managed tags and so inherits the
database's `restricted` (fail-closed).

In an account where neither LF tag exists (a Glue catalog that terraform/aws did not set up for
Lake Formation), there is nothing to assign: the step is skipped with a `GovernanceSkipped`
warning. That never widens access — with Lake Formation deployed the tags exist, and a column
without tags inherits the database's `restricted`.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icespec.environment import secret_text
from icespec.errors import BackendError
from icespec.spec import TableSpec

if TYPE_CHECKING:
    from icespec.catalogs.settings import AwsSettings

ACCESS_LEVEL_TAG = "access_level"
PII_TAG = "pii"
MANAGED_TAGS = (ACCESS_LEVEL_TAG, PII_TAG)

ColumnTags = dict[str, dict[str, str]]  # column name -> {tag key: value}


class GovernanceError(BackendError):
    """Lake Formation refused a tag change; the message names the table, the columns and the fix."""


class GovernanceSkipped(UserWarning):
    """The account has no icespec LF tags (Lake Formation not set up by terraform/aws): nothing tagged."""


@dataclass(frozen=True)
class ColumnTagChange:
    """One column whose managed LF tags differ from its template."""

    database: str
    table: str
    column: str
    action: str  # "set": assign `after`; "remove": drop the managed tags (column not in the template)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        where = f"{self.database}.{self.table}.{self.column}"
        if self.action == "remove":
            return f"{where}: remove LF tags {_spell(self.before)} (not in the template; inherits restricted)"
        if not self.before:
            return f"{where}: tag {_spell(self.after)}"
        return f"{where}: LF tags {_spell(self.before)} -> {_spell(self.after)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "table": self.table,
            "column": self.column,
            "action": self.action,
            "before": dict(self.before),
            "after": dict(self.after),
            "message": self.message,
        }


def _spell(tags: dict[str, str]) -> str:
    return ", ".join(f"{key}={tags[key]}" for key in MANAGED_TAGS if key in tags) or "(none)"


def desired_column_tags(spec: TableSpec) -> ColumnTags:
    """The LF tags each top-level column must carry, from the normalized template."""
    return {
        column.name: {
            ACCESS_LEVEL_TAG: column.effective_access_level,
            PII_TAG: "true" if column.effective_pii else "false",
        }
        for column in spec.columns
    }


def plan_column_tags(
    database: str, table: str, desired: ColumnTags, live: ColumnTags, live_columns: list[str]
) -> list[ColumnTagChange]:
    """Changes that make the live column tags equal the desired ones (pure)."""
    changes: list[ColumnTagChange] = []
    for column, wanted in desired.items():
        current = {k: v for k, v in live.get(column, {}).items() if k in MANAGED_TAGS}
        if current != wanted:
            changes.append(
                ColumnTagChange(database, table, column, "set", before=current, after=dict(wanted))
            )
    for column in live_columns:
        current = {k: v for k, v in live.get(column, {}).items() if k in MANAGED_TAGS}
        if column not in desired and current:
            changes.append(ColumnTagChange(database, table, column, "remove", before=current))
    return changes


def _table_with_columns(
    database: str, table: str, columns: list[str], catalog_id: str | None
) -> dict[str, Any]:
    resource: dict[str, Any] = {"DatabaseName": database, "Name": table, "ColumnNames": columns}
    if catalog_id:
        resource["CatalogId"] = catalog_id
    return {"TableWithColumns": resource}


def read_column_tags(
    lakeformation: Any, database: str, table: str, columns: list[str], catalog_id: str | None = None
) -> ColumnTags:
    """Managed LF tags assigned directly on the given columns (inherited database tags excluded)."""
    if not columns:
        return {}
    response = lakeformation.get_resource_lf_tags(
        Resource=_table_with_columns(database, table, columns, catalog_id), ShowAssignedLFTags=True
    )
    tags: ColumnTags = {}
    for entry in response.get("LFTagsOnColumns", []):
        assigned = {
            tag["TagKey"]: tag["TagValues"][0]
            for tag in entry.get("LFTags", [])
            if tag["TagKey"] in MANAGED_TAGS and tag.get("TagValues")
        }
        if assigned:
            tags[entry["Name"]] = assigned
    return tags


def defined_managed_tags(lakeformation: Any, catalog_id: str | None = None) -> list[str]:
    """Which of the managed LF tags exist in the account (created by terraform/aws)."""
    found = []
    for key in MANAGED_TAGS:
        kwargs = {"TagKey": key, **({"CatalogId": catalog_id} if catalog_id else {})}
        try:
            values = lakeformation.get_lf_tag(**kwargs).get("TagValues") or []
        except lakeformation.exceptions.EntityNotFoundException:
            values = []
        if values:
            found.append(key)
    return found


def live_glue_columns(glue: Any, database: str, table: str, catalog_id: str | None = None) -> list[str]:
    """Top-level column names of the Glue table — what Lake Formation tags."""
    kwargs = {"DatabaseName": database, "Name": table, **({"CatalogId": catalog_id} if catalog_id else {})}
    descriptor = glue.get_table(**kwargs)["Table"].get("StorageDescriptor", {})
    return [column["Name"] for column in descriptor.get("Columns", [])]


def _raise_on_failures(response: dict[str, Any], spec: TableSpec, columns: list[str], verb: str) -> None:
    failures = response.get("Failures") or []
    if failures:
        reasons = "; ".join(
            f"{f.get('LFTag', {}).get('TagKey', '?')}: {f.get('Error', {}).get('ErrorMessage', f.get('Error'))}"
            for f in failures
        )
        raise GovernanceError(
            f"Lake Formation could not {verb} tags on {spec.full_name} columns {', '.join(columns)}: {reasons}. "
            "Check that `terraform apply` created the LF tags and that this identity holds ASSOCIATE on them "
            "(the admin role does)."
        )


def execute_column_tag_changes(
    lakeformation: Any, spec: TableSpec, changes: list[ColumnTagChange], catalog_id: str | None = None
) -> None:
    """Apply planned changes: one call per distinct tag set (columns batched)."""
    batches: dict[tuple[str, tuple[tuple[str, str], ...]], list[str]] = defaultdict(list)
    for change in changes:
        tags = change.after if change.action == "set" else change.before
        batches[(change.action, tuple(sorted(tags.items())))].append(change.column)
    for (action, tag_items), columns in batches.items():
        resource = _table_with_columns(spec.namespace, spec.name, columns, catalog_id)
        # Both managed tags are always sent together: LF replaces a key's value on add.
        lf_tags = [{"TagKey": key, "TagValues": [value]} for key, value in tag_items]
        if action == "set":
            response = lakeformation.add_lf_tags_to_resource(Resource=resource, LFTags=lf_tags)
            _raise_on_failures(response, spec, columns, "assign")
        else:
            response = lakeformation.remove_lf_tags_from_resource(Resource=resource, LFTags=lf_tags)
            _raise_on_failures(response, spec, columns, "remove")


def aws_clients(settings: AwsSettings) -> tuple[Any, Any]:
    """(lakeformation, glue) boto3 clients for the configured region, endpoint and credentials."""
    import boto3

    kwargs = {
        "region_name": settings.aws_region,
        "endpoint_url": settings.aws_endpoint_url,
        "aws_access_key_id": secret_text(settings.aws_access_key_id),
        "aws_secret_access_key": secret_text(settings.aws_secret_access_key),
        "aws_session_token": secret_text(settings.aws_session_token),
    }
    kwargs = {key: value for key, value in kwargs.items() if value}
    return boto3.client("lakeformation", **kwargs), boto3.client("glue", **kwargs)


@dataclass(frozen=True)
class ColumnTagSync:
    """What one table's column tags need: the changes, or why the step was skipped."""

    changes: list[ColumnTagChange]
    skipped: str | None = None  # the reason nothing was compared (no icespec LF tags in the account)


def _skip_reason(spec: TableSpec) -> str:
    return (
        f"{spec.full_name}: Lake Formation tags {' and '.join(MANAGED_TAGS)} do not exist in this account, so "
        "column tags were not compared or assigned; run `terraform apply` in terraform/aws "
        "(catalog_type = glue) to enable column-level access control"
    )


def sync_column_tags(
    *,
    spec: TableSpec,
    settings: AwsSettings | None = None,
    lakeformation: Any = None,
    glue: Any = None,
    catalog_id: str | None = None,
    dry_run: bool = False,
) -> ColumnTagSync:
    """`apply_column_tags` without the warning: the skip reason is returned (thread-safe, for plan/drift).

    With `dry_run=True`, template columns that the Glue table does not have yet (apply adds them
    before tagging) count as untagged, so the preview shows the tags they will get.
    """
    if lakeformation is None or glue is None:
        if settings is None:
            raise GovernanceError("apply_column_tags needs settings (region, endpoint) or both AWS clients")
        default_lf, default_glue = aws_clients(settings)
        lakeformation = lakeformation or default_lf
        glue = glue or default_glue
    defined = defined_managed_tags(lakeformation, catalog_id)
    if not defined:
        return ColumnTagSync([], skipped=_skip_reason(spec))
    if len(defined) < len(MANAGED_TAGS):
        missing_tags = [key for key in MANAGED_TAGS if key not in defined]
        raise GovernanceError(
            f"Lake Formation tag {', '.join(missing_tags)} is missing while {', '.join(defined)} exists: "
            "re-run `terraform apply` in terraform/aws to restore the tags"
        )
    live_columns = live_glue_columns(glue, spec.namespace, spec.name, catalog_id)
    # Glue may spell column names in lower case; match the template's names to the live spelling.
    live_spelling = {name.lower(): name for name in live_columns}
    desired = {
        live_spelling.get(name.lower(), name): tags for name, tags in desired_column_tags(spec).items()
    }
    missing = [name for name in desired if name not in live_columns]
    if missing and not dry_run:
        raise GovernanceError(
            f"{spec.full_name}: columns {', '.join(missing)} are in the template but not in the Glue table; "
            "run `icespec apply` so the table is evolved before its column tags are assigned"
        )
    live = read_column_tags(lakeformation, spec.namespace, spec.name, live_columns, catalog_id)
    changes = plan_column_tags(spec.namespace, spec.name, desired, live, live_columns)
    if changes and not dry_run:
        execute_column_tag_changes(lakeformation, spec, changes, catalog_id)
    return ColumnTagSync(changes)


def apply_column_tags(
    *,
    spec: TableSpec,
    settings: AwsSettings | None = None,
    catalog: Any = None,
    lakeformation: Any = None,
    glue: Any = None,
    catalog_id: str | None = None,
    dry_run: bool = False,
) -> list[ColumnTagChange]:
    """Make the Lake Formation tags of `spec`'s Glue table columns match the template.

    Signature (the governance step of `icespec apply` on the aws-glue backend, after each table commit):

        apply_column_tags(spec=TableSpec, settings=AwsSettings, catalog=Catalog | None,
                          lakeformation=boto3 client | None, glue=boto3 client | None,
                          catalog_id=str | None, dry_run=bool) -> list[ColumnTagChange]

    - `settings` supplies region, endpoint and credentials when the clients are not given.
    - `catalog` is accepted for the hook's uniform call and not needed (tags live in LF, columns
      are read from Glue).
    - `dry_run=True` only reads and returns the changes (for `plan` and drift).
    Returns the changes made (or that would be made); an empty list means the tags already match
    (or, with a `GovernanceSkipped` warning, that the account has no icespec LF tags at all).
    Raises GovernanceError when Lake Formation rejects a change or only one of the tags exists.
    """
    del catalog  # the hook passes it to every governance step; column tags need only LF and Glue
    result = sync_column_tags(
        spec=spec,
        settings=settings,
        lakeformation=lakeformation,
        glue=glue,
        catalog_id=catalog_id,
        dry_run=dry_run,
    )
    if result.skipped:
        warnings.warn(result.skipped, GovernanceSkipped, stacklevel=2)
    return result.changes
