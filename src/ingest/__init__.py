"""Press-release lake: fetch newsroom releases, structure them, land them as Parquet."""

__version__ = "0.1.0"
