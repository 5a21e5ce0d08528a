"""The backend registry (`icespec.backends.registry`): which backends exist and what each can do."""

from icespec.backends.registry import (
    BACKENDS,
    DEFAULT_BACKEND,
    Backend,
    backend_for_terraform,
    backend_names,
    get_backend,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Backend",
    "backend_for_terraform",
    "backend_names",
    "get_backend",
]
