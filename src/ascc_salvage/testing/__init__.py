"""Testing support shipped with the library (Hypothesis strategies; extra ``test``)."""
