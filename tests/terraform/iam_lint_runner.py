"""Run parliament (the IAM linter) over policies; run by the linter's own venv (.venv-iam-lint).

Reads {"name": "<policy JSON>", ...} on stdin and prints [{"name", "issue", "severity", "detail"}]:
every finding, with parliament's own severity for its issue (its config.yaml).
"""

import json
import sys
from pathlib import Path

import parliament
import yaml
from parliament import analyze_policy_string

SEVERITY = {
    issue: settings.get("severity", "")
    for issue, settings in yaml.safe_load(
        (Path(parliament.__file__).parent / "config.yaml").read_text()
    ).items()
}

findings = []
for name, document in json.load(sys.stdin).items():
    # Resource policies (bucket, key, trust) name principals; identity policies do not.
    policy = analyze_policy_string(document, include_community_auditors=False, ignore_private_auditors=True)
    for finding in policy.findings:
        findings.append(
            {
                "name": name,
                "issue": finding.issue,
                "severity": SEVERITY.get(finding.issue, "UNKNOWN"),
                "detail": json.dumps(finding.detail, default=str)[:300],
            }
        )
json.dump(findings, sys.stdout)
