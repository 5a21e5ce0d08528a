"""Helpers the command families share."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from icespec.cli import UsageError
from icespec.spec import Diagnostic, SpecError, TableSpec, validate_paths


def select_tables(specs: Sequence[TableSpec], names: Sequence[str]) -> list[TableSpec]:
    """The templates named on the command line (`name` or `namespace.name`); all when none are named."""
    if not names:
        return list(specs)
    chosen = [s for s in specs if s.name in names or s.full_name in names]
    unknown = set(names) - {s.name for s in chosen} - {s.full_name for s in chosen}
    if unknown:
        raise UsageError(f"no template for table(s): {', '.join(sorted(unknown))} (see the templates folder)")
    return chosen


def broken_templates(problems: Sequence[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Problems grouped by the file they are in, in file order."""
    grouped: dict[str, list[Diagnostic]] = {}
    for problem in sorted(problems):
        grouped.setdefault(problem.path, []).append(problem)
    return grouped


def summary_line(path: str, problems: Sequence[Diagnostic]) -> str:
    """One line about a broken template: where, how many problems, and the first of them."""
    first = problems[0]
    where = f"line {first.line}: " if first.line else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{path}: {where}{first.message}{more}"


def load_tables(templates: str, names: Sequence[str], command: str) -> list[TableSpec]:
    """The valid templates a command works on.

    A broken template never stops a command that names other tables: each broken file gets one
    warning line on stderr and the named tables go ahead. A broken template that is named, or any
    broken template when no table is named ("all of them"), stops the command with every problem
    and nothing done.
    """
    specs, problems = validate_paths([templates])
    if not problems:
        return select_tables(specs, names)
    broken = broken_templates(problems)
    if not names:
        raise SpecError(
            problems,
            hint=f"name the tables to {command} to work on the others (icespec {command} TABLE ...), "
            "or fix the template(s)",
        )
    wanted = {name.rsplit(".", 1)[-1] for name in names}
    named_broken = [d for path, found in broken.items() if Path(path).stem in wanted for d in found]
    if named_broken:
        raise SpecError(named_broken)
    try:
        chosen = select_tables(specs, names)
    except UsageError as exc:
        raise UsageError(
            f"{exc}; {len(broken)} template(s) could not be read: run icespec validate"
        ) from None
    for path, found in broken.items():
        print(f"icespec: warning: skipped a broken template: {summary_line(path, found)}", file=sys.stderr)
    return chosen
