"""icespec — declarative Apache Iceberg tables from one YAML file per table."""

__version__ = "0.1.0"
