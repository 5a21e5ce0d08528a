"""Helpers the command families share."""

from __future__ import annotations

from collections.abc import Sequence

from icespec.cli import UsageError
from icespec.spec import TableSpec


def select_tables(specs: Sequence[TableSpec], names: Sequence[str]) -> list[TableSpec]:
    """The templates named on the command line (`name` or `namespace.name`); all when none are named."""
    if not names:
        return list(specs)
    chosen = [s for s in specs if s.name in names or s.full_name in names]
    unknown = set(names) - {s.name for s in chosen} - {s.full_name for s in chosen}
    if unknown:
        raise UsageError(f"no template for table(s): {', '.join(sorted(unknown))} (see the templates folder)")
    return chosen
