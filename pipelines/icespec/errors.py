"""Every error icespec raises on purpose, under one root.

`IcespecError` means: the input, the settings or the live system is not as needed, and the message
says what is wrong and what to do. The CLI prints it as one line and exits 1; Dagster shows it as the
step's failure. Anything else that escapes is a bug. Each family keeps a builtin base (ValueError,
LookupError, RuntimeError) so that callers catching those keep working.

    IcespecError
    ├── SpecError         a template is invalid (every problem as PATH:LINE:COL)
    ├── SettingsError     ICESPEC_* variables, the project folder, quality or alert configuration
    ├── PlanError         a change cannot be planned or applied; nothing was changed
    ├── WriteError        a batch, input file or row filter does not fit the table; nothing was written
    └── BackendError      the catalog, cloud service or governance step refused or lacks something
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class IcespecError(Exception):
    """Root of the errors icespec raises on purpose; the message says what to do."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem in a file, in the compiler format `PATH:LINE:COL: error: MESSAGE`."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        if not self.line:  # about the file (or folder) as a whole: no line to point at
            return f"{self.path}: error: {self.message}"
        return f"{self.path}:{self.line}:{self.column}: error: {self.message}"


class SpecError(IcespecError):
    """One or more templates are invalid. `str()` lists every problem, one per line."""

    def __init__(self, diagnostics: Iterable[Diagnostic], hint: str | None = None):
        self.diagnostics = sorted(diagnostics)
        self.hint = hint  # what to do instead, when there is more to say than each problem's fix
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class SettingsError(IcespecError, ValueError):
    """Configuration that cannot work: each problem names the variable, file or folder to fix."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(self._message())

    def _message(self) -> str:
        if len(self.problems) == 1 and type(self) is not SettingsError:
            return self.problems[0]
        return "invalid settings:\n  " + "\n  ".join(self.problems)


class PlanError(IcespecError):
    """A change cannot be planned or applied; nothing was changed for the table named."""


class WriteError(IcespecError, ValueError):
    """The data does not fit the table; nothing was written. The message names the columns or file."""


class BackendError(IcespecError, RuntimeError):
    """The catalog, cloud service or governance step refused or lacks something; the message says why."""


class NotFoundError(BackendError, LookupError):
    """Something asked for is not there (a catalog not created yet, an expired snapshot)."""
