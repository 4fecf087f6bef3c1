"""Plain-language option names shown to clinicians (clinical pathway §8, column ``label``).

This is the one place the cards, the service's pages and suggestions name options for
people: :func:`option_label` reads the label from the option catalogue of the knowledge base
(``catalogue.toml``).
"""

from __future__ import annotations


def option_label(option: str) -> str:
    """Return the plain-language name of a catalogue option (``salvage_apr`` → its label).

    An id outside the catalogue is returned with its underscores as spaces, so a label is
    always shown.

    >>> option_label("salvage_apr")
    'Salvage abdominoperineal resection'
    """
    from ascc_salvage.knowledge import bundled

    key = str(option)
    entry = bundled().catalogue.get(key)  # type: ignore[call-overload]  # a str finds its member
    return entry.label if entry is not None else key.replace("_", " ")
