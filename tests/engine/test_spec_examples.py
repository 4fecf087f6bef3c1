"""Clinical examples of the pathway tables, written from ``clinical-pathway.md``.

Each file in ``cases/`` holds one case document and what the specification expects of it::

    {"description": "...", "spec": "§4.1 row a", "case": {...}, "expect": {...},
     "xfail": "D1: ..."}          # optional: a known discrepancy with the implementation

``expect`` keys (all optional):

* ``status``: the ``disease_status``.
* ``preferred``: the exact set of preferred options (the plan); ``preferred_include``: a
  subset of it; ``not_preferred``: options that must not be preferred.
* ``alternative`` / ``undetermined`` / ``not_recommended``: options that must have that tier;
  ``not_undetermined``: options that must not be undetermined.
* ``flags`` / ``flags_absent``: ``{option: [flag, ...]}`` that must / must not be present.
* ``warnings`` / ``warnings_absent``: warning codes that must / must not be raised.
* ``missing``: ``{field: [option, ...]}``: the field is in ``missing_information`` and names
  at least these options in ``needed_for``.
* ``rule``: ``{option: rule_id}``: the id of the rule that set the option's final tier
  (``clinical-pathway.md`` §0.2).
* ``rationale`` / ``rationale_absent``: ``{option: text}``: the option's rationale must / must
  not contain the text (§0.3: a reason names what decides and never asserts a fact the
  inputs contradict).
* ``result``: top-level result keys and their exact JSON values.
* ``dose_plan``: ``{option: {key: value}}`` compared recursively (objects by the keys given,
  lists item by item, numbers to ±0.01 since hand-calculated values have two decimals).

Only the options a table row names are checked; the rest of the 23 are left to the
property tests.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

from ascc_salvage import Result, load_case, recommend, result_to_dict

CASES_DIR = pathlib.Path(__file__).parent / "cases"
TOLERANCE = 0.01
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
KNOWN_KEYS = {
    "status",
    "preferred",
    "preferred_include",
    "not_preferred",
    "alternative",
    "undetermined",
    "not_recommended",
    "not_undetermined",
    "flags",
    "flags_absent",
    "warnings",
    "warnings_absent",
    "missing",
    "rule",
    "rationale",
    "rationale_absent",
    "result",
    "dose_plan",
}


def _load(path: pathlib.Path) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return entry


def _params() -> list[Any]:
    params = []
    for path in CASE_FILES:
        entry = _load(path)
        marks = []
        if "xfail" in entry:
            marks.append(pytest.mark.xfail(strict=True, reason=entry["xfail"]))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def _subset(expected: Any, actual: Any, where: str) -> list[str]:
    """Differences where *actual* does not contain *expected* (dicts compared by key)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        problems: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems.extend(_subset(value, actual[key], f"{where}.{key}"))
        return problems
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [
            problem
            for index, (item, got) in enumerate(zip(expected, actual, strict=True))
            for problem in _subset(item, got, f"{where}[{index}]")
        ]
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        # Hand-calculated values are written to two decimals.
        if isinstance(actual, float | int) and abs(actual - expected) <= TOLERANCE:
            return []
        return [f"{where}: expected {expected!r}, got {actual!r}"]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


def check(document: dict[str, Any], expect: dict[str, Any]) -> list[str]:
    """Every way *document* (a result) falls short of *expect*; empty if it meets it."""
    unknown = set(expect) - KNOWN_KEYS
    assert not unknown, f"unknown expectation keys {sorted(unknown)}"
    options = {o["option"]: o for o in document["options"]}
    tiers = {name: o["tier"] for name, o in options.items()}
    preferred = {name for name, tier in tiers.items() if tier == "preferred"}
    problems: list[str] = []

    def tier_of(name: str) -> str:
        assert name in options, f"{name} is not a catalogue option in the result"
        return tiers[name]

    if "status" in expect and document["disease_status"] != expect["status"]:
        problems.append(f"status: expected {expect['status']}, got {document['disease_status']}")
    if "preferred" in expect and preferred != set(expect["preferred"]):
        problems.append(
            f"preferred: expected {sorted(expect['preferred'])}, got {sorted(preferred)}"
        )
    for name in expect.get("preferred_include", []):
        if tier_of(name) != "preferred":
            problems.append(f"{name}: expected preferred, got {tier_of(name)}")
    for name in expect.get("not_preferred", []):
        if tier_of(name) == "preferred":
            problems.append(f"{name}: must not be preferred")
    for tier in ("alternative", "undetermined", "not_recommended"):
        for name in expect.get(tier, []):
            if tier_of(name) != tier:
                problems.append(f"{name}: expected {tier}, got {tier_of(name)}")
    for name in expect.get("not_undetermined", []):
        if tier_of(name) == "undetermined":
            problems.append(f"{name}: must not be undetermined")
    for name, flags in expect.get("flags", {}).items():
        absent = sorted(set(flags) - set(options[name]["flags"]))
        if absent:
            problems.append(f"{name}: flags {absent} missing (has {options[name]['flags']})")
    for name, flags in expect.get("flags_absent", {}).items():
        present = sorted(set(flags) & set(options[name]["flags"]))
        if present:
            problems.append(f"{name}: flags {present} must be absent")
    for name, text in expect.get("rationale", {}).items():
        if text not in options[name]["rationale"]:
            problems.append(f"{name}: rationale lacks {text!r} ({options[name]['rationale']!r})")
    for name, text in expect.get("rationale_absent", {}).items():
        if text in options[name]["rationale"]:
            problems.append(f"{name}: rationale must not say {text!r}")
    codes = {w["code"] for w in document["warnings"]}
    for code in expect.get("warnings", []):
        if code not in codes:
            problems.append(f"warning {code} missing (has {sorted(codes)})")
    for code in expect.get("warnings_absent", []):
        if code in codes:
            problems.append(f"warning {code} must be absent")
    needed = {m["field"]: set(m["needed_for"]) for m in document["missing_information"]}
    for field, names in expect.get("missing", {}).items():
        if field not in needed:
            problems.append(f"missing_information lacks {field} (has {sorted(needed)})")
        elif not set(names) <= needed[field]:
            problems.append(
                f"missing {field}: needed_for lacks {sorted(set(names) - needed[field])}"
            )
    for name, rule in expect.get("rule", {}).items():
        if options[name].get("rule") != rule:
            problems.append(f"{name}: expected rule {rule}, got {options[name].get('rule')}")
    problems.extend(_subset(expect.get("result", {}), document, "result"))
    for name, plan in expect.get("dose_plan", {}).items():
        problems.extend(_subset(plan, options[name]["dose_plan"], f"{name}.dose_plan"))
    return problems


def _document(result: Result) -> dict[str, Any]:
    """The result document, with each option's ``rule`` (the last rule id it recorded)."""
    document = result_to_dict(result)
    for entry, made in zip(document["options"], result.options, strict=True):
        entry.setdefault("rule", made.rules[-1] if made.rules else "")
    return document


def test_there_is_a_case_for_every_pathway_section() -> None:
    prefixes = {path.stem.split("_")[0] for path in CASE_FILES}
    assert {"s2", "gate", "override", "s3", "s4", "s5", "s6", "s7"} <= prefixes
    assert len(CASE_FILES) >= 100


def test_the_checker_reports_a_wrong_expectation() -> None:
    entry = _load(CASES_DIR / "s4_1d_canal_r0.json")
    wrong = {
        "status": "recurrent",
        "preferred": ["local_excision"],
        "alternative": ["salvage_apr"],
        "flags": {"salvage_apr": ["off_label"]},
        "warnings": ["hiv_test_recommended"],
        "result": {"histologically_confirmed": False},
        "rule": {"salvage_apr": "4.1a"},
    }
    document = _document(recommend(load_case(entry["case"])))
    assert len(check(document, wrong)) == 7
    assert check(document, entry["expect"]) == []


@pytest.mark.parametrize("path", _params())
def test_spec_example(path: pathlib.Path) -> None:
    entry = _load(path)
    assert entry["description"]
    assert entry["spec"]
    result = recommend(load_case(entry["case"]))
    problems = check(_document(result), entry["expect"])
    assert not problems, f"{path.stem} ({entry['spec']}):\n  " + "\n  ".join(problems)
