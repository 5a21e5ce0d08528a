"""`make demo`: validate, apply, materialize every asset in-process, print a summary per table.

Runs on the embedded default (SQLite catalog + warehouse under .lakehouse/). Re-running is safe:
upsert and overwrite tables keep their row counts; day partitions are replaced, not appended.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
os.chdir(REPO)
os.environ.setdefault("DAGSTER_HOME", str(REPO / ".lakehouse" / "dagster_home"))
Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
dagster_yaml = Path(os.environ["DAGSTER_HOME"]) / "dagster.yaml"
if not dagster_yaml.exists():
    dagster_yaml.write_text("telemetry:\n  enabled: false\n")

from icespec.cli import main  # noqa: E402

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def summary_rows(defs, specs, catalog) -> list[tuple]:
    from icespec.tables.writers import WRITE_MODE_PROPERTY

    rows = []
    for spec in specs:
        table = catalog.load_table(spec.identifier)
        snapshot = table.current_snapshot()
        summary = snapshot.summary if snapshot else None
        partitions = (
            table.inspect.partitions().num_rows if snapshot and not table.spec().is_unpartitioned() else "-"
        )
        rows.append(
            (
                spec.full_name,
                int(summary.get("total-records", 0)) if summary else 0,
                len(table.metadata.snapshots),
                partitions,
                summary.get(WRITE_MODE_PROPERTY, summary.operation.value) if summary else "-",
            )
        )
    return rows


def run() -> int:
    for command in (["validate"], ["apply"]):
        print(f"$ icespec {' '.join(command)}")
        code = main(command)
        if code:
            return code
    from dagster import DagsterInstance

    import icespec.definitions as project
    from icespec.catalogs import Settings, open_catalog
    from icespec.orchestration import PARTITIONED_JOB, UNPARTITIONED_JOB

    defs = project.defs
    instance = DagsterInstance.get()  # DAGSTER_HOME: `dagster dev` shows these runs
    print(f"\n$ materialize job {UNPARTITIONED_JOB}")
    if (
        not defs.resolve_job_def(UNPARTITIONED_JOB)
        .execute_in_process(instance=instance, run_config=QUIET)
        .success
    ):
        return 1
    try:
        partitioned = defs.resolve_job_def(PARTITIONED_JOB)
    except Exception:  # no day-partitioned template
        partitioned = None
    if partitioned is not None:
        keys = partitioned.partitions_def.get_partition_keys()
        for key in keys[-2:]:  # the two most recent days
            print(f"$ materialize job {PARTITIONED_JOB} partition {key}")
            if not partitioned.execute_in_process(
                instance=instance, partition_key=key, run_config=QUIET
            ).success:
                return 1
    catalog = open_catalog(Settings.from_env())
    rows = summary_rows(defs, project.SPECS, catalog)
    print(f"\n{'table':<28} {'rows':>8} {'snapshots':>10} {'partitions':>11}  last write")
    for name, count, snapshots, partitions, mode in rows:
        print(f"{name:<28} {count:>8} {snapshots:>10} {partitions!s:>11}  {mode}")
    # --- quality (issue 4): every table's Soda check results (`icespec check -v`) ---------------
    print("\n$ icespec check --verbose")
    main(["check", "--verbose"])
    # --------------------------------------------------------------------------------------------
    print("\nOpen the same project in the UI: `.venv/bin/dagster dev` (see README).")
    return 0


if __name__ == "__main__":
    sys.exit(run())
