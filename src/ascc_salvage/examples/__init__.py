"""Bundled example cases (JSON), used by ``ascc-salvage --example``."""
