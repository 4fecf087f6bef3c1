"""``recommend_many_json``: JSON text in, JSON text out, the same results as one at a time."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import ascc_salvage
from ascc_salvage import CaseValidationError, load_case, recommend, result_to_json
from ascc_salvage.batch import recommend_many_json
from ascc_salvage.examples import examples


def _texts() -> list[str]:
    return [entry.text() for entry in examples()] * 3


def _expected(texts: list[str]) -> list[str]:
    return [result_to_json(recommend(load_case(text))) for text in texts]


def test_serial_is_result_to_json_in_order() -> None:
    texts = _texts()
    assert list(recommend_many_json(texts)) == _expected(texts)


def test_bytes_are_read_as_utf8_json_text() -> None:
    texts = _texts()[:4]
    assert list(recommend_many_json(t.encode("utf-8") for t in texts)) == _expected(texts)


def test_lines_are_the_documented_compact_serialisation() -> None:
    (text,) = _texts()[:1]
    (line,) = recommend_many_json([text])
    document = ascc_salvage.result_to_dict(recommend(load_case(text)))
    assert line == json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.slow
def test_process_pool_sends_and_returns_text() -> None:
    texts = _texts()
    with ProcessPoolExecutor(2) as pool:
        pooled = list(recommend_many_json(texts, executor=pool, chunksize=4))
    assert pooled == _expected(texts)


def test_invalid_text_raises_when_its_result_is_due() -> None:
    texts = [*_texts()[:2], '{"schema_version": 1}']
    with ThreadPoolExecutor(1) as pool:
        stream = recommend_many_json(texts, executor=pool, chunksize=1, max_in_flight=1)
        assert next(stream).startswith('{"schema_version":2,"input_schema_version":1,')
        assert next(stream).startswith('{"schema_version":2,"input_schema_version":1,')
        with pytest.raises(CaseValidationError, match="evaluation_date: required key is missing"):
            next(stream)


def test_sizes_are_checked() -> None:
    with pytest.raises(ValueError, match="chunksize must be at least 1"):
        recommend_many_json([], chunksize=0)
