"""Package files are read through the package's loader, without importlib.resources."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys

import pytest

import ascc_salvage.examples
from ascc_salvage._resources import read_package_file


def test_a_package_file_is_read_as_importlib_resources_reads_it() -> None:
    expected = importlib.resources.files("ascc_salvage.examples").joinpath("index.toml")
    assert read_package_file("ascc_salvage.examples", "index.toml") == expected.read_bytes()
    nested = importlib.resources.files("ascc_salvage.knowledge").joinpath("data/meta.toml")
    assert read_package_file("ascc_salvage.knowledge", "data/meta.toml") == nested.read_bytes()


def test_a_loader_without_file_paths_falls_back_to_importlib_resources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expected = read_package_file("ascc_salvage.examples", "index.toml")
    monkeypatch.setattr(ascc_salvage.examples, "__file__", None)
    assert read_package_file("ascc_salvage.examples", "index.toml") == expected
    with pytest.raises(FileNotFoundError):
        read_package_file("ascc_salvage.examples", "no_such_file.json")


def test_a_missing_file_is_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        read_package_file("ascc_salvage.examples", "no_such_file.json")


def test_recommending_an_example_does_not_import_importlib_resources() -> None:
    code = (
        "import sys\n"
        "from ascc_salvage.examples import example\n"
        "from ascc_salvage import knowledge, recommend\n"
        "recommend(example('persistent_resectable').load())\n"
        "print(knowledge.VERSION, 'importlib.resources' in sys.modules)\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout == "2026.12 False\n"
