"""ascc_salvage: explainable decision support for anal SCC after failed chemoradiotherapy."""

from ascc_salvage._version import __version__

__all__ = ["__version__"]
