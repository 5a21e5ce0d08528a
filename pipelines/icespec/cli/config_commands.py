"""`icespec config`: the settings icespec reads, and the env file from Terraform's outputs.

`icespec config variables` lists every ICESPEC_* variable from the settings models themselves
(`icespec.environment`); the README's table is its `--markdown` output, and a test keeps them equal.

Dagster, Soda and the CLI read their settings from ICESPEC_* variables; after `terraform apply` in
terraform/aws, `from-terraform` writes them:

    terraform -chdir=terraform/aws output -json | icespec config from-terraform --output .env.aws
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from icespec.catalogs.settings import Settings, SettingsError
from icespec.cli import UsageError
from icespec.environment import EnvironmentSettings, Variable

# Terraform output → ICESPEC_* variable for every stack; each backend's own are in its registry entry.
COMMON_OUTPUTS = {"ICESPEC_AWS_REGION": "region", "ICESPEC_SNS_TOPIC_ARN": "sns_topic_arn"}
_PLAIN_VALUE = re.compile(r"^[A-Za-z0-9_./:@+=,%-]*$")


def register(subparsers: argparse._SubParsersAction) -> None:
    config = subparsers.add_parser("config", help="generate settings files")
    actions = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    from_terraform = actions.add_parser(
        "from-terraform",
        help="write the ICESPEC_* env file from `terraform output -json` of terraform/aws",
        description="Read `terraform output -json` (terraform/aws) and write the ICESPEC_* variables "
        "Dagster, Soda and the CLI use. Nothing is written when an output is missing or invalid.",
    )
    from_terraform.add_argument(
        "--input", default="-", help="file with `terraform output -json`, or - for stdin (default)"
    )
    from_terraform.add_argument("--output", default="-", help="env file to write, or - for stdout (default)")
    from_terraform.add_argument(
        "--aws-endpoint-url",
        default=None,
        help="also set ICESPEC_AWS_ENDPOINT_URL (an AWS emulator such as moto; never for real AWS)",
    )
    from_terraform.set_defaults(handler=run_from_terraform)
    variables = actions.add_parser(
        "variables",
        help="list every ICESPEC_* variable: what it configures, its default, what it does",
        description="Every environment variable icespec reads, from its settings models (one per "
        "backend, alert sink and part).",
    )
    variables.add_argument("--markdown", action="store_true", help="as the README's Markdown table")
    variables.set_defaults(handler=run_variables)


def settings_models() -> list[tuple[str, type[EnvironmentSettings]]]:
    """(what it configures, model) for every settings model, in the order the table lists them."""
    from icespec.alerts.registry import SINK_TYPES
    from icespec.backends import BACKENDS
    from icespec.catalogs.settings import Settings
    from icespec.cli import CliSettings
    from icespec.drift.detect import DriftSettings
    from icespec.orchestration.resources import ScheduleSettings
    from icespec.spec.project import ProjectSettings

    return [
        ("all", ProjectSettings),
        ("all", Settings),
        *((name, backend.settings_model()) for name, backend in BACKENDS.items()),
        *((f"alerts: {name}", sink.settings_model()) for name, sink in SINK_TYPES.items()),
        ("all", ScheduleSettings),
        ("all", DriftSettings),
        ("all", CliSettings),
    ]


@dataclass
class _Row:
    variable: Variable
    scopes: list[str]
    required_for: list[str]


def variable_rows() -> list[_Row]:
    """One row per ICESPEC_* variable: described by the first model that has it, for every scope that reads it."""
    rows: dict[str, _Row] = {}
    for scope, model in settings_models():
        for variable in model.icespec_variables():
            row = rows.setdefault(variable.name, _Row(variable, [], []))
            if scope not in row.scopes:
                row.scopes.append(scope)
            if variable.required and scope not in row.required_for:
                row.required_for.append(scope)
    for row in rows.values():  # a variable of the common model is read by every backend
        if "all" in row.scopes:
            row.scopes = ["all"]
    return list(rows.values())


def markdown_table() -> str:
    lines = ["| variable | for | default | what |", "|---|---|---|---|"]
    for row in variable_rows():
        variable = row.variable
        what = variable.description + (
            " (secret: bound as Dagster `EnvVar`, never logged)" if variable.secret else ""
        )
        if variable.aliases:
            what += f"; also read: {', '.join(variable.aliases)}"
        if row.required_for:
            what += f" (required for {', '.join(row.required_for)})"
        default = f"`{variable.default}`" if variable.default else ""
        lines.append(f"| `{variable.name}` | {', '.join(row.scopes)} | {default} | {what} |")
    return "\n".join(lines) + "\n"


def run_variables(args: argparse.Namespace) -> int:
    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    for row in variable_rows():
        variable = row.variable
        default = f" (default {variable.default})" if variable.default else ""
        print(f"{variable.name}  [{', '.join(row.scopes)}]{default}\n    {variable.description}")
    return 0


def _read_outputs(source: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from None
    where = "stdin" if source == "-" else source
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{where} is not JSON ({exc.msg} at line {exc.lineno}): pipe `terraform output -json` into this command"
        ) from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"{where} holds no Terraform outputs: run `terraform apply` in terraform/aws first")
    # `terraform output -json` wraps each value as {"sensitive", "type", "value"}.
    return {
        name: item["value"] if isinstance(item, dict) and "value" in item else item
        for name, item in data.items()
    }


def settings_from_outputs(outputs: dict[str, Any], aws_endpoint_url: str | None = None) -> dict[str, str]:
    """ICESPEC_* variables for the stack described by `outputs` (values of `terraform output -json`)."""
    from icespec.backends import BACKENDS, backend_for_terraform

    catalog_type = outputs.get("catalog_type")
    entry = backend_for_terraform(catalog_type)
    if entry is None:
        known = " or ".join(
            repr(b.terraform_catalog_type) for b in BACKENDS.values() if b.terraform_catalog_type
        )
        raise UsageError(
            f"output catalog_type is {catalog_type!r}, expected {known}: are these the outputs of terraform/aws?"
        )
    backend = entry.name
    wanted = {**COMMON_OUTPUTS, **entry.terraform_outputs}
    missing = sorted(output for output in wanted.values() if outputs.get(output) in (None, ""))
    if missing:
        raise UsageError(
            f"terraform outputs {', '.join(missing)} are missing or empty for catalog_type={catalog_type}: "
            "apply terraform/aws with this repository's version, then run `terraform output -json` again"
        )
    env = {"ICESPEC_BACKEND": backend}
    env.update({variable: str(outputs[output]) for variable, output in wanted.items()})
    if aws_endpoint_url:
        env["ICESPEC_AWS_ENDPOINT_URL"] = aws_endpoint_url

    try:
        Settings.from_env(env)
    except SettingsError as exc:
        raise UsageError(f"the Terraform outputs give {exc}") from None
    return env


def render_env_file(env: dict[str, str]) -> str:
    lines = [
        "# Generated by `icespec config from-terraform` from terraform/aws outputs; regenerate, don't edit."
    ]
    for name, value in env.items():
        if "\n" in value:
            raise UsageError(f"{name} would hold a line break; check the Terraform output it comes from")
        lines.append(f"{name}={value if _PLAIN_VALUE.match(value) else json.dumps(value)}")
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside the target, then rename: never a half-written env file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_from_terraform(args: argparse.Namespace) -> int:
    env = settings_from_outputs(_read_outputs(args.input), args.aws_endpoint_url)
    text = render_env_file(env)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        _write_atomically(Path(args.output), text)
        backend = Settings.from_env(env).backend
        print(f"wrote {len(env)} settings ({backend}) to {args.output}", file=sys.stderr)
    return 0
