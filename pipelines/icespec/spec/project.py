"""Where the project is: found like git finds its repository, from any subdirectory.

The project root is the nearest folder, from the current one upwards, that holds a
`table-templates/` folder or a `pyproject.toml` with a `[tool.icespec]` table. The templates are in
`<root>/table-templates` (or the folder `[tool.icespec] templates = "..."` names), the embedded
lakehouse in `<root>/.lakehouse`. `--templates` and `ICESPEC_TEMPLATES` override the templates
folder; a relative path there is taken from the current folder, as a command line user expects.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from icespec.environment import EnvironmentSettings
from icespec.errors import SettingsError

TEMPLATES_FOLDER = "table-templates"


class ProjectSettings(EnvironmentSettings):
    """Where the project's files are, when not where the project root says."""

    templates: str | None = Field(
        None,
        description="folder (or file) of table templates",
        json_schema_extra={"shown_default": "table-templates/ of the project root"},
    )
    soda_checks: str | None = Field(
        None,
        description="folder of hand-written SodaCL (`<table>.yaml`)",
        json_schema_extra={"shown_default": "quality/soda_checks of the project root"},
    )


class ProjectError(SettingsError):
    """No templates folder was found; the message says where icespec looked and what to pass."""


@dataclass(frozen=True)
class Project:
    root: Path | None  # None: outside any project (then the current folder stands in)
    templates: Path  # absolute
    explicit: bool = False  # given by --templates or ICESPEC_TEMPLATES

    @property
    def base(self) -> Path:
        return self.root or Path.cwd()


def _configured(pyproject: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    section = data.get("tool", {}).get("icespec")
    return section if isinstance(section, dict) else None


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above `start` holding table-templates/ or a [tool.icespec] pyproject."""
    here = (start or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / TEMPLATES_FOLDER).is_dir():
            return folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _configured(pyproject) is not None:
            return folder
    return None


def find_project(explicit: str | Path | None = None, env: Mapping[str, str] | None = None) -> Project:
    """The project for a command: `explicit` (--templates) or $ICESPEC_TEMPLATES, else the root's folder."""
    root = find_root()
    chosen = explicit or ProjectSettings.read(env).templates
    if chosen:
        return Project(root, Path(chosen).expanduser().absolute(), explicit=True)
    if root is None:
        return Project(None, Path.cwd() / TEMPLATES_FOLDER)
    section = _configured(root / "pyproject.toml") or {}
    folder = section.get("templates", TEMPLATES_FOLDER)
    return Project(root, (root / str(folder)).absolute())


def require_templates(project: Project) -> Path:
    """The templates folder, or a ProjectError saying where icespec looked."""
    if project.templates.is_dir() or project.templates.is_file():
        return project.templates
    if project.root is None and not project.explicit:
        raise ProjectError(
            f"no templates folder: {Path.cwd()} and the folders above it hold neither a {TEMPLATES_FOLDER}/ "
            "folder nor a pyproject.toml with [tool.icespec]; run icespec inside a project, or pass "
            "--templates DIR (or set ICESPEC_TEMPLATES)"
        )
    raise ProjectError(f"no templates folder at {project.templates}: create it, or pass --templates DIR")
