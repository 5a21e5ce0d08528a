"""Validation throughput: 1,000 generated templates, against parsing the same YAML alone."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import yaml

from icespec.spec import validate_paths

TYPES = [
    "string",
    "long",
    "int",
    "double",
    "decimal(18,2)",
    "timestamptz",
    "date",
    "boolean",
    "list<string>",
    "map<string, double>",
    "struct<a: int, b: list<string>>",
]


def template(index: int) -> str:
    columns = "\n".join(
        f'  - {{name: c{c}, type: "{TYPES[(index + c) % len(TYPES)]}", access_level: internal,'
        f" description: column {c}}}"
        for c in range(20)
    )
    return (
        f"name: t{index:04d}\nnamespace: bench\ndescription: generated table {index}\n"
        f"columns:\n  - {{name: id, type: long, required: true, access_level: public}}\n"
        f"  - {{name: ts, type: timestamptz, required: true, access_level: public}}\n{columns}\n"
        "identifier_fields: [id]\npartition_spec:\n  - {column: ts, transform: day}\n"
        "  - {column: id, transform: 'bucket[16]'}\nsort_order:\n  - {column: ts}\n"
        "properties: {write_format: parquet}\n"
    )


def run() -> list[dict]:
    count = 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for i in range(count):
            (folder / f"t{i:04d}.yaml").write_text(template(i))
        started = time.perf_counter()
        for path in sorted(folder.glob("*.yaml")):
            yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        specs, problems = validate_paths([folder])
        elapsed = time.perf_counter() - started
    assert not problems and len(specs) == count, problems[:3]
    return [
        {
            "name": "spec: validate 1,000 templates / yaml.safe_load alone",
            "ratio": elapsed / baseline,
            "detail": f"{count / elapsed:,.0f} templates/s validated ({count / baseline:,.0f}/s parse only)",
        }
    ]
