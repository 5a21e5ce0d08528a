"""Write terraform/gcp/table_schemas.json: every template rendered for BigQuery (python -m icespec.gcp.render).

Terraform has no recursion, so it cannot turn a type string like `map<string, list<struct<...>>>`
into BigQuery's nested schema; icespec renders it (the same function the Python backend sends) and
Terraform checks the file is current against table_spec's normalization of the same templates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from icespec.gcp.schema import table_document
from icespec.spec import SpecError, load_specs

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_OUTPUT = REPO_ROOT / "terraform" / "gcp" / "table_schemas.json"


def render(templates_dir: Path) -> str:
    specs = load_specs([templates_dir])
    document = {
        "generated_by": "python -m icespec.gcp.render (make gcp-schemas); do not edit",
        "tables": {spec.name: table_document(spec) for spec in sorted(specs, key=lambda s: s.name)},
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--templates", type=Path, default=REPO_ROOT / "table-templates")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not current")
    args = parser.parse_args(argv)
    try:
        text = render(args.templates)
    except SpecError as error:
        print(error, file=sys.stderr)
        return 2
    if args.check:
        if not args.output.exists() or args.output.read_text() != text:
            print(f"{args.output} is stale: run `make gcp-schemas`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
