"""Hypothesis entry point: registers the case strategies for ``st.from_type`` lazily."""

from __future__ import annotations


def _hypothesis_setup_hook() -> None:
    """Register strategies without importing the unit registry eagerly."""
    from ascc_salvage.testing.strategies import register_type_strategies

    register_type_strategies()
