"""The ``missing_information`` of a result: every field that leaves an option undetermined.

Clinical pathway §0.1: the fields are listed in the order of ``prompts.toml`` (status inputs,
restaging, performance status, fitness, resectability and margin, stoma consent, conditions,
HIV, creatinine/weight/height, symptoms, then the rest in case-format order), each with its
prompt. The ``patient.conditions`` prompt names only the conditions that the criteria left
unknown read (pregnancy not for a male patient).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Set

from ascc_salvage.case import Case
from ascc_salvage.knowledge import KnowledgeBase, prompt_key, prompt_text
from ascc_salvage.result import MissingInformation
from ascc_salvage.vocabulary import OptionId, Sex

__all__ = ["missing_information"]


def missing_information(
    case: Case,
    kb: KnowledgeBase,
    needed_for: Mapping[str, tuple[OptionId, ...]],
    readers: Mapping[str, Set[str]],
) -> tuple[MissingInformation, ...]:
    """The missing fields in §0.1 order, each with its prompt.

    Args:
        case: The case.
        kb: Its knowledge base.
        needed_for: The options each missing field would decide, in catalogue order.
        readers: The criterion ids that reported each field unknown.
    """
    if not needed_for:
        return ()
    order = _prompt_order(kb)
    fields = sorted(needed_for, key=lambda field: (order.get(prompt_key(field), len(order)), field))
    return tuple(
        MissingInformation(field, needed_for[field], _prompt(case, kb, field, readers[field]))
        for field in fields
    )


@functools.lru_cache(maxsize=16)  # bounded: a custom knowledge base is not kept forever
def _prompt_order(kb: KnowledgeBase) -> dict[str, int]:
    """The position of each prompt of *kb* (``prompts.toml`` order), once per knowledge base."""
    return {field: index for index, field in enumerate(kb.prompts)}


def _prompt(case: Case, kb: KnowledgeBase, field: str, readers: Set[str]) -> str:
    template = kb.prompts.get(prompt_key(field))
    if template is None or not template.values:
        return prompt_text(field, kb)
    values: dict[str, object] = {}
    for name in template.values:
        if name == "assessment_due_date":
            values[name] = _assessment_due(case, kb)
        elif name == "conditions":
            values[name] = _conditions(case, kb, readers)
        else:  # pragma: no cover - the loader test keeps prompts.toml to these two values
            raise AssertionError(f"prompt {field}: no case value {name!r}")
    return prompt_text(field, kb, **values)


def _assessment_due(case: Case, kb: KnowledgeBase) -> str:
    """The date from which the overdue 26-week assessment counts (CRT start + 182 days)."""
    crt = case.primary.chemoradiotherapy
    days = int(kb.thresholds.assessment_window_days.value)
    if crt is None:  # pragma: no cover - the assessment is missing only after CRT
        return f"day {days} from the start of chemoradiotherapy"
    return (crt.start_date + dt.timedelta(days=days)).isoformat()


def _conditions(case: Case, kb: KnowledgeBase, readers: Set[str]) -> str:
    male = case.patient.sex is Sex.MALE
    parts = []
    for entry in kb.condition_prompts:
        if entry.criterion not in readers:
            continue
        names = [c for c in entry.conditions if not (male and c in entry.not_when_male)]
        parts.append(f"{', '.join(names)} ({entry.purpose})")
    return "; ".join(parts) if parts else "the conditions the pathway reads"
