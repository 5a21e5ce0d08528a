"""Iceberg table properties the templates may set, and their snake_case aliases.

Terraform's table_spec module reads the same aliases from `property_aliases.json`, which
`scripts/gen_property_aliases.py` writes from this list (a test checks it is current).
"""

from __future__ import annotations

import difflib

KNOWN_PROPERTIES = (
    "format-version",
    "write.format.default",
    "write.delete.mode",
    "write.update.mode",
    "write.merge.mode",
    "write.distribution-mode",
    "write.target-file-size-bytes",
    "write.parquet.compression-codec",
    "write.parquet.compression-level",
    "write.parquet.row-group-size-bytes",
    "write.parquet.row-group-limit",
    "write.parquet.page-size-bytes",
    "write.parquet.page-row-limit",
    "write.parquet.dict-size-bytes",
    "write.parquet.bloom-filter-max-bytes",
    "write.avro.compression-codec",
    "write.metadata.compression-codec",
    "write.metadata.metrics.default",
    "write.metadata.previous-versions-max",
    "write.metadata.delete-after-commit.enabled",
    "write.summary.partition-limit",
    "write.object-storage.enabled",
    "write.object-storage.partitioned-paths",
    "write.data.path",
    "write.metadata.path",
    "write.wap.enabled",
    "read.split.target-size",
    "commit.retry.num-retries",
    "commit.retry.min-wait-ms",
    "commit.retry.max-wait-ms",
    "commit.retry.total-timeout-ms",
    "commit.manifest.target-size-bytes",
    "commit.manifest.min-count-to-merge",
    "commit.manifest-merge.enabled",
    "history.expire.max-snapshot-age-ms",
    "history.expire.min-snapshots-to-keep",
    "history.expire.max-ref-age-ms",
)
# Per-column properties: the prefix, then a column name.
KNOWN_PREFIXES = (
    "write.parquet.bloom-filter-enabled.column.",
    "write.metadata.metrics.column.",
)
# Properties under these prefixes belong to Iceberg: an unknown one there is a typo, not a custom key.
RESERVED_PREFIXES = ("write.", "read.", "commit.", "history.", "format-version")


def alias_of(property_name: str) -> str:
    return property_name.replace(".", "_").replace("-", "_")


PROPERTY_ALIASES: dict[str, str] = {alias_of(p): p for p in KNOWN_PROPERTIES}
PROPERTY_ALIASES["write_format"] = "write.format.default"


def resolve_property(key: str) -> tuple[str | None, str | None]:
    """Map a template key to its Iceberg property name. Returns (name, None) or (None, problem)."""
    if key in PROPERTY_ALIASES:
        return PROPERTY_ALIASES[key], None
    if key in KNOWN_PROPERTIES or any(key.startswith(p) and len(key) > len(p) for p in KNOWN_PREFIXES):
        return key, None
    if "." not in key or key.startswith(RESERVED_PREFIXES):
        candidates = list(PROPERTY_ALIASES) if "." not in key else list(KNOWN_PROPERTIES)
        close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)
        hint = f" — did you mean '{close[0]}'?" if close else ""
        if "." not in key:
            return None, (
                f"unknown property '{key}'{hint} (use an Iceberg property name such as "
                "'write.format.default', its snake_case alias, or a dotted custom key like 'team.cost-center')"
            )
        return None, f"unknown Iceberg property '{key}'{hint}"
    return key, None  # a custom, dotted key outside Iceberg's namespaces


def property_value(value: object) -> str:
    """Iceberg properties are strings; booleans are spelt as Iceberg and Terraform spell them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
