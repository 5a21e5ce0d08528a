"""The write modes every backend offers (pure: the CLI reads them without loading pyarrow)."""

WRITE_MODES = ("append", "overwrite", "overwrite_partitions", "upsert")
