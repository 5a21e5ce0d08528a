"""Downstream reports: Dagster assets computed from an Iceberg table, gated by its blocking Soda checks.

Each `Report` names its source table ("namespace.name"); the asset's input is that table's asset,
so it is loaded by the Iceberg IO manager (the snapshot the upstream materialization wrote) and
the table's blocking checks must pass before the report runs. A report is defined only when its
source template is among the loaded specs. The result is returned as an Arrow table (kept by
Dagster's default IO manager) with its rows and totals as materialization metadata.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc
from dagster import AssetIn, AssetKey, AssetsDefinition, MetadataValue, Output, asset

from icespec.spec import TableSpec

PREVIEW_ROWS = 10
NOT_REVENUE_STATUSES = ("cancelled",)  # a cancelled order earns nothing


@dataclass(frozen=True)
class Report:
    key: tuple[str, ...]
    source: str  # "namespace.name" of the table it reads
    description: str
    compute: Callable[[pa.Table], pa.Table]


def daily_revenue(orders: pa.Table) -> pa.Table:
    """Revenue (sum of `amount`) and order count per order_date and currency, cancelled orders excluded."""
    earning = orders.filter(
        pc.invert(pc.is_in(orders["status"], value_set=pa.array(NOT_REVENUE_STATUSES, orders["status"].type)))
    )
    grouped = earning.group_by(["order_date", "currency"]).aggregate(
        [("amount", "sum"), ("order_id", "count")]
    )
    result = grouped.rename_columns({"amount_sum": "revenue", "order_id_count": "order_count"})
    return result.select(["order_date", "currency", "revenue", "order_count"]).sort_by(
        [("order_date", "ascending"), ("currency", "ascending")]
    )


REPORTS: tuple[Report, ...] = (
    Report(
        key=("sales", "daily_revenue"),
        source="sales.orders",
        description="Revenue and order count per order day and currency (cancelled orders excluded), "
        "from the orders snapshot just written; runs only when the orders checks pass.",
        compute=daily_revenue,
    ),
)


def _summary(table: pa.Table) -> dict[str, object]:
    metadata: dict[str, object] = {"dagster/row_count": table.num_rows}
    if "revenue" in table.column_names and "currency" in table.column_names:
        totals = table.group_by("currency").aggregate([("revenue", "sum")])
        for currency, total in zip(
            totals["currency"].to_pylist(), totals["revenue_sum"].to_pylist(), strict=True
        ):
            metadata[f"revenue/{currency}"] = str(total if total is not None else Decimal(0))
    head = table.slice(0, PREVIEW_ROWS).to_pylist()
    if head:
        header = "| " + " | ".join(table.column_names) + " |\n|" + "---|" * len(table.column_names)
        body = "\n".join("| " + " | ".join(str(v) for v in row.values()) + " |" for row in head)
        metadata["preview"] = MetadataValue.md(f"{header}\n{body}")
    return metadata


def _report_asset(report: Report, source: TableSpec) -> AssetsDefinition:
    source_key = AssetKey([source.namespace, source.name])

    @asset(
        key=AssetKey(list(report.key)),
        description=report.description,
        group_name=report.key[0],
        ins={"source": AssetIn(key=source_key)},
        kinds={"pyarrow"},
        metadata={"icespec/source_table": source.full_name},
    )
    def report_asset(source: pa.Table) -> Output[pa.Table]:
        table = report.compute(source)
        return Output(table, metadata={"source_rows": source.num_rows, **_summary(table)})

    return report_asset


def report_assets(specs: Sequence[TableSpec], reports: Sequence[Report] = REPORTS) -> list[AssetsDefinition]:
    """The report assets whose source table is among `specs` (a report without its table is left out)."""
    by_name = {s.full_name: s for s in specs}
    return [_report_asset(r, by_name[r.source]) for r in reports if r.source in by_name]
