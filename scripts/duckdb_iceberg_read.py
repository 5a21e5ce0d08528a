"""Read Iceberg tables with DuckDB's iceberg extension: an engine that shares no code with pyiceberg.

Runs in its own virtual environment (`make duckdb-iceberg-venv`: duckdb and its iceberg, avro and
httpfs extensions from PyPI, all at the same version), because Soda pins the project's duckdb to
an older release. Nothing is downloaded: each extension is loaded from its wheel's file.

Usage: python duckdb_iceberg_read.py REQUEST.json
REQUEST: {"tables": [{"metadata": "<metadata.json path or s3:// URL>", "out": "<Arrow IPC file>"}],
          "s3": {"endpoint": "127.0.0.1:PORT", "key_id": "...", "secret": "...", "region": "..."} | null}
Prints one JSON line per table: {"metadata", "rows", "columns": [[name, duckdb type], ...]}.
"""

import json
import pathlib
import sys

import duckdb
import pyarrow as pa

EXTENSIONS = ("avro", "iceberg", "httpfs")


def _extension_file(name: str) -> str:
    module = __import__(f"duckdb_extension_{name}")
    return str(next(pathlib.Path(module.__file__).parent.rglob(f"{name}.duckdb_extension")))


def main() -> int:
    request = json.loads(pathlib.Path(sys.argv[1]).read_text())
    connection = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    for name in EXTENSIONS:
        connection.execute(f"LOAD '{_extension_file(name)}'")
    s3 = request.get("s3")
    if s3:
        connection.execute(
            "CREATE SECRET moto (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, ENDPOINT ?, URL_STYLE 'path', USE_SSL false)",
            [s3["key_id"], s3["secret"], s3["region"], s3["endpoint"]],
        )
    for item in request["tables"]:
        relation = connection.sql(f"SELECT * FROM iceberg_scan('{item['metadata']}')")
        table = relation.arrow()
        if isinstance(table, pa.RecordBatchReader):
            table = table.read_all()
        with pa.OSFile(item["out"], "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        columns = [[name, str(kind)] for name, kind in zip(relation.columns, relation.types, strict=True)]
        print(json.dumps({"metadata": item["metadata"], "rows": table.num_rows, "columns": columns}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
