"""``python -m ascc_salvage`` runs the ``ascc-salvage`` command."""

from ascc_salvage.cli import main

if __name__ == "__main__":
    main()
