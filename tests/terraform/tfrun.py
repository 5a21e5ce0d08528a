"""Run the real terraform binary from tests, offline, without leaving files in the repository.

Every run gets its own TF_DATA_DIR and working copy under pytest's tmp folder; providers come
from the offline mirror in ICESPEC_TF_PLUGIN_DIR (exported by the Makefile).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = REPO_ROOT / "terraform"
PLUGIN_DIR = Path(os.environ.get("ICESPEC_TF_PLUGIN_DIR", "/opt/tf-plugins"))
_IGNORED = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "*.tfplan")


class TerraformFailed(AssertionError):
    pass


@dataclass
class Terraform:
    """terraform in one working folder, with its own data dir and an empty CLI config."""

    workdir: Path
    scratch: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        self.scratch.mkdir(parents=True, exist_ok=True)
        cli_config = self.scratch / "terraformrc"
        cli_config.touch()
        return {
            **os.environ,
            "TF_DATA_DIR": str(self.scratch / "data"),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "NO_COLOR": "1",
            **self.extra_env,
        }

    def run(self, *args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            ["terraform", *args],
            cwd=self.workdir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.timings[args[0]] = self.timings.get(args[0], 0.0) + time.monotonic() - started
        if check and result.returncode != 0:
            raise TerraformFailed(
                f"terraform {' '.join(args)} failed in {self.workdir} (exit {result.returncode}):\n"
                f"{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
            )
        return result

    def init(self, with_providers: bool = True) -> None:
        args = ["init", "-input=false"]
        if with_providers:
            if not (PLUGIN_DIR / "registry.terraform.io").is_dir():
                raise TerraformFailed(
                    f"no provider mirror at {PLUGIN_DIR}: set ICESPEC_TF_PLUGIN_DIR to the folder holding "
                    "registry.terraform.io/hashicorp/aws"
                )
            args.append(f"-plugin-dir={PLUGIN_DIR}")
        self.run(*args)

    def outputs(self) -> dict:
        return {name: item["value"] for name, item in json.loads(self.run("output", "-json").stdout).items()}


def copy_terraform_tree(destination: Path) -> Path:
    """Copy terraform/ and table-templates/ so relative module sources and template paths resolve."""
    shutil.copytree(TERRAFORM_DIR, destination / "terraform", ignore=_IGNORED)
    shutil.copytree(REPO_ROOT / "table-templates", destination / "table-templates", ignore=_IGNORED)
    return destination / "terraform"


MOTO_SERVICES = (
    "s3",
    "glue",
    "iam",
    "sts",
    "lakeformation",
    "athena",
    "sns",
    "kms",
    "ec2",
    "ecs",
    "elbv2",
    "dynamodb",
    "logs",
    "cloudwatch",
    "appautoscaling",
    "ssm",
)


def moto_account_role(endpoint: str, account: str) -> None:
    """The role a stack assumes in its own moto account (as on AWS, it must exist there first);
    moto keeps each account's resources apart, so tests planning or applying there do not meet."""
    kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
    credentials = boto3.client(
        "sts", aws_access_key_id="test", aws_secret_access_key="test", **kwargs
    ).assume_role(RoleArn=f"arn:aws:iam::{account}:role/icespec-tests", RoleSessionName="setup")[
        "Credentials"
    ]
    iam = boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        **kwargs,
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName="icespec-tests", AssumeRolePolicyDocument=json.dumps(trust))


def moto_provider_override(endpoint: str, account: str | None = None) -> str:
    """A `*_override.tf` pointing the root's aws provider at moto (merged into its provider block).

    `account`: the stack runs in that moto account, apart from other tests' stacks, through a role
    assumed there (moto keeps each account's resources apart, as AWS does); None: moto's default
    account, 123456789012."""
    endpoints = "\n".join(f'    {service} = "{endpoint}"' for service in MOTO_SERVICES)
    assume = (
        f'  assume_role {{\n    role_arn = "arn:aws:iam::{account}:role/icespec-tests"\n  }}\n'
        if account
        else ""
    )
    return f"""provider "aws" {{
{assume}  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  max_retries                 = 2
  s3_use_path_style           = true
  endpoints {{
{endpoints}
  }}
}}
"""
