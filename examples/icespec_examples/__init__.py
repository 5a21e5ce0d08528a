"""The demo around icespec: deterministic sample data for any template, the sales/daily_revenue
report, and the Dagster code location `make demo` and `dagster dev` run (`definitions`).

Not part of the icespec package: a deployment's code location passes its own sources."""
