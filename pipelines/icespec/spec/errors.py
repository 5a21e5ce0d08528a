"""Diagnostics in the compiler format `PATH:LINE:COL: error: MESSAGE`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if not self.line:  # about the file (or folder) as a whole: no line to point at
            return f"{self.path}: error: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: error: {self.message}"


class SpecError(Exception):
    """One or more templates are invalid. `str()` lists every problem, one per line."""

    def __init__(self, diagnostics: Iterable[Diagnostic], hint: str | None = None):
        self.diagnostics = sorted(diagnostics)
        self.hint = hint  # what to do instead, when there is more to say than each problem's fix
        super().__init__("\n".join(str(d) for d in self.diagnostics))
