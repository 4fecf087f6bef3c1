"""Version of the ascc_salvage library."""

__version__ = "0.1.0"
