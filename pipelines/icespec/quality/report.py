"""Readable text for scan results (CLI, demo, logs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icespec.quality.scan import CheckResult, ScanResult

_MARK = {"pass": "PASS", "warn": "WARN", "fail": "FAIL", "error": "ERROR"}


def _sample_lines(check: CheckResult, indent: str) -> list[str]:
    sample = check.sample
    if sample is None or not sample.rows:
        return []
    lines = [f"{indent}failed rows ({len(sample.rows)} of {sample.total_rows} shown):"]
    for row in sample.rows:
        lines.append(
            indent
            + "  "
            + ", ".join(f"{name}={value!s}" for name, value in zip(sample.columns, row, strict=True))
        )
    if sample.hidden_columns:
        lines.append(f"{indent}  (not shown: {', '.join(sample.hidden_columns)} — restricted or pii)")
    return lines


def format_result(result: ScanResult, *, verbose: bool = False, samples: bool = True) -> str:
    counts = result.counts()
    head = (
        f"{result.table}: {_MARK[result.outcome]}  "
        f"({counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail, {counts['error']} error) "
        f"[{result.engine}]"
    )
    lines = [head]
    for check in result.checks:
        if check.passed and not verbose:
            continue
        lines.append(f"  {_MARK[check.outcome]:<5} {check.name} — {check.message}")
        if samples and not check.passed:
            lines.extend(_sample_lines(check, "        "))
    for error in result.errors[:3]:
        lines.append(f"  error: {error}")
    return "\n".join(lines)


def worst_exit_code(results: Iterable[ScanResult]) -> int:
    """Soda's exit codes combine by severity: 3 error > 2 fail > 1 warn > 0 pass."""
    return max((r.exit_code for r in results), default=0)
