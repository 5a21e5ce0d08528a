"""The policies an applied stack rendered (`terraform show -json`), their semantics and their lint.

Used by the moto end-to-end tests after `terraform apply`, when every ARN in a policy is known.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.terraform.tfrun import REPO_ROOT

LINTER = REPO_ROOT / ".venv-iam-lint" / "bin" / "python"
RUNNER = Path(__file__).with_name("iam_lint_runner.py")

# Every finding the linter may report on our policies, with why it is right here. A finding not
# listed fails the test; HIGH and CRITICAL findings can never be listed.
_STAR_KEY = "a key policy's only resource is the key itself: '*' means this key"
_STAR_GET_DATA_ACCESS = (
    "lakeformation:GetDataAccess has no resource-level permissions; the LF grants scope it"
)
_STAR_LF_TAGS = (
    "Lake Formation's tag APIs have no resource-level permissions; LF's ASSOCIATE grant scopes them"
)
_LOGS_KEY_POLICY = (
    "CloudWatchLogsEncrypt is the key policy the CloudWatch Logs User Guide documents (kms:Describe* beside "
    "the encryption-context condition, ArnLike with a wildcard log-group ARN in a string-typed key)"
)
_KEY_ID_IS_AN_ARN = (
    "s3:x-amz-server-side-encryption-aws-kms-key-id is a string key whose value is the key's ARN "
    "(S3 User Guide, 'Requiring server-side encryption with AWS KMS keys')"
)
JUSTIFIED: dict[tuple[str, str], str] = {
    ("RESOURCE_STAR", "aws_kms_key."): _STAR_KEY,
    ("RESOURCE_STAR", ".query["): _STAR_GET_DATA_ACCESS,
    ("RESOURCE_STAR", ".administer"): _STAR_LF_TAGS,
    ("UNKNOWN_CONDITION_FOR_ACTION", "module.storage.aws_kms_key.lake"): _LOGS_KEY_POLICY,
    ("MISMATCHED_TYPE", "module.storage.aws_kms_key.lake"): _LOGS_KEY_POLICY,
    ("MISMATCHED_TYPE_BUT_USABLE", "aws_s3_bucket_policy."): _KEY_ID_IS_AN_ARN,
}


def applied_resources(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every managed resource of the state, in all modules."""

    def walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from (r for r in module.get("resources", []) if r["mode"] == "managed")
        for child in module.get("child_modules", []):
            yield from walk(child)

    yield from walk(state["values"]["root_module"])


def rendered_policies(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """ "address" (or "address#assume_role_policy") → the policy document as AWS received it. An
    SNS topic's `policy` is skipped: Terraform renders none, it is SNS's default."""
    documents: dict[str, dict[str, Any]] = {}
    for resource in applied_resources(state):
        if resource["type"] == "aws_sns_topic":
            continue
        values = resource["values"]
        for attribute in ("policy", "assume_role_policy"):
            text = values.get(attribute)
            if isinstance(text, str) and text.strip().startswith("{"):
                key = resource["address"] + ("" if attribute == "policy" else "#assume_role_policy")
                documents[key] = json.loads(text)
    return documents


def by_type(state: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {r["address"]: r["values"] for r in applied_resources(state) if r["type"] == resource_type}


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def lint(policies: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """parliament's findings on every policy, run in its own venv (`make iam-lint-venv`).

    Role trust policies are left out: parliament reads every document as an identity policy and
    reports a trust policy's missing Resource as MALFORMED, though a trust policy never has one
    (IAM User Guide, "Role trust policy"); checkov checks them (test_static.py)."""
    policies = {name: doc for name, doc in policies.items() if not name.endswith("#assume_role_policy")}
    if not LINTER.exists():
        raise AssertionError(f"no IAM linter at {LINTER}: run `make iam-lint-venv`")
    result = subprocess.run(
        [str(LINTER), str(RUNNER)],
        input=json.dumps({name: json.dumps(doc) for name, doc in policies.items()}),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    findings: list[dict[str, str]] = json.loads(result.stdout)
    return findings


def unjustified(findings: list[dict[str, str]]) -> list[dict[str, str]]:
    """Findings that are errors (HIGH, CRITICAL) or warnings no JUSTIFIED entry explains."""
    return [
        f
        for f in findings
        if f["severity"] in ("HIGH", "CRITICAL")
        or not any(issue == f["issue"] and where in f["name"] for issue, where in JUSTIFIED)
    ]
