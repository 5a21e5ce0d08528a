"""The `icespec` command. Each command family lives in its own module with `register(subparsers)`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import Field

from icespec.environment import EnvironmentSettings, Flag
from icespec.errors import IcespecError, SettingsError
from icespec.spec import SpecError

# Command families, in the order `icespec --help` lists them.
COMMAND_MODULES = [
    "icespec.cli.spec_commands",
    "icespec.cli.table_commands",
    "icespec.cli.quality_commands",
    "icespec.cli.drift_commands",
    "icespec.cli.maintain_commands",
    "icespec.cli.config_commands",
]


class CliSettings(EnvironmentSettings):
    """How the command line reports."""

    debug: Flag = Field(False, description="1: the CLI shows the traceback of an unexpected error")


def _debugging() -> bool:
    try:
        return CliSettings.read().debug
    except SettingsError:  # ICESPEC_DEBUG set to something else than a flag: the user wants to see
        return True


class UsageError(IcespecError):
    """Bad input on the command line or in settings: printed as one clear line, exit 1."""


class _PipeSafeOutput:
    """stdout that keeps working when its reader goes away (`icespec drift --json | head`): the rest of
    the output is dropped, and the command still finishes and returns its own exit code."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        try:  # point the real descriptor at /dev/null, so the interpreter's last flush stays quiet
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
        except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing to do
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _reads_the_templates_folder(args: argparse.Namespace) -> bool:
    """`config` reads no template; `validate PATH...` and `inspect FILE` read only what they are given."""
    if args.command in ("config", "schema") or getattr(args, "paths", None):
        return False
    reference = getattr(args, "template", None)
    return not (reference and Path(reference).is_file())


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("icespec")
    except PackageNotFoundError:  # running from a checkout without installing
        from icespec import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icespec",
        description="Declarative Apache Iceberg tables from one YAML file per table.",
    )
    parser.add_argument("--version", action="version", version=f"icespec {_version()}")
    parser.add_argument(
        "--templates",
        default=None,
        help="folder of table templates (default: $ICESPEC_TEMPLATES, else table-templates/ of the project: "
        "the nearest folder upwards holding table-templates/ or a pyproject.toml with [tool.icespec])",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from icespec.spec.project import ProjectError, find_project, require_templates

    parser = build_parser()
    args = parser.parse_args(argv)
    output, sys.stdout = sys.stdout, _PipeSafeOutput(sys.stdout)
    try:
        project = find_project(args.templates)
        args.project = project
        args.templates = str(project.templates)
        if _reads_the_templates_folder(args):
            require_templates(project)
        return int(args.handler(args) or 0)
    except ProjectError as exc:
        print(f"icespec: error: {exc}", file=sys.stderr)
        return 1
    except SpecError as exc:
        print(str(exc), file=sys.stderr)
        print(f"{len(exc.diagnostics)} problem(s) found; nothing was changed.", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    except (
        IcespecError
    ) as exc:  # usage, settings, plan, write and backend errors: the message says what to do
        print(f"icespec: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a clear line instead of a traceback; ICESPEC_DEBUG=1 shows it
        if _debugging():
            raise
        print(f"icespec: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("(set ICESPEC_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    finally:
        sys.stdout = output


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
