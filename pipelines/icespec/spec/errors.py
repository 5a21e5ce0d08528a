"""Diagnostics in the compiler format `PATH:LINE:COL: error: MESSAGE` (defined in `icespec.errors`)."""

from __future__ import annotations

from icespec.errors import Diagnostic, SpecError

__all__ = ["Diagnostic", "SpecError"]
