"""pint is imported only when a caller asks for a quantity.

Case units are a closed list with factors written out (``units.CASE_UNITS``), so reading a
case, recommending, writing the result and the command line's ``recommend --format json``
never import pint (importing it takes longer than the whole recommendation). Each check runs
in a fresh interpreter, where nothing else has imported pint yet.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from ascc_salvage import units
from ascc_salvage.units import CASE_UNITS, Q_, _pint_factor, is_quantity


def _fresh(code: str) -> str:
    """Run *code* in a fresh interpreter; return its stdout."""
    process = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_case_to_result_to_json_does_not_import_pint() -> None:
    out = _fresh(
        """
        import sys
        from ascc_salvage import load_case, recommend, result_to_dict, result_to_json
        from ascc_salvage.examples import examples
        for entry in examples():
            result = recommend(load_case(entry.text()))
            result_to_dict(result)
            result_to_json(result, indent=2)
        import ascc_salvage.batch, ascc_salvage.cli
        print("pint" in sys.modules)
        """
    )
    assert out == "False\n"


def test_the_json_command_does_not_import_pint_or_rich() -> None:
    out = _fresh(
        """
        import sys
        sys.argv = ["ascc-salvage", "recommend", "--example", "persistent_resectable",
                    "--format", "json"]
        from ascc_salvage.cli import main
        try:
            main()
        finally:
            sys.stdout.flush()
            loaded = [m for m in ("pint", "rich", "multiprocessing") if m in sys.modules]
            print(loaded, file=sys.__stdout__)
        """
    )
    assert out.endswith("}\n[]\n")  # nor rich nor a process pool: not needed for JSON


def test_asking_for_a_quantity_imports_pint() -> None:
    out = _fresh(
        """
        import sys
        from ascc_salvage import load_case
        from ascc_salvage.examples import example
        case = load_case(example("persistent_resectable").text())
        before = "pint" in sys.modules
        quantity = case.patient.weight.quantity
        same = f"{quantity:~}" == f"{case.patient.weight.canonical} kg"
        print(before, same, "pint" in sys.modules)
        """
    )
    assert out == "False True True\n"


@pytest.mark.parametrize("text", sorted(CASE_UNITS))
def test_the_written_out_factors_are_pints_bit_for_bit(text: str) -> None:
    entry = CASE_UNITS[text]
    assert entry.to_canonical == _pint_factor(entry)


def test_nothing_is_a_quantity_while_pint_is_not_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    quantity = Q_(1.0, "kg")
    assert is_quantity(quantity)
    monkeypatch.delitem(sys.modules, "pint")
    assert not is_quantity(1.0)


def test_the_registry_is_built_once() -> None:
    assert units.ureg is units._registry()
    assert units.Q_ is units.ureg.Quantity


def test_other_module_attributes_do_not_exist() -> None:
    with pytest.raises(AttributeError, match="no attribute 'registry'"):
        _ = units.registry  # type: ignore[attr-defined]
