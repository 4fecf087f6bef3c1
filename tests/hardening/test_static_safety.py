"""No input handling in the library can execute code: a static scan of the source tree.

The scan parses every module of ``src/ascc_salvage`` and looks for calls and imports that
evaluate or deserialise code or objects (``eval``, ``exec``, ``compile``, ``__import__``,
``pickle``/``marshal``/``shelve``/``dill`` loading, ``yaml.load``, dynamic imports,
shells). A plain-text scan for the same names backs up the syntax-tree scan. Each entry in
``ALLOWED`` says why it is safe; ``importlib.import_module`` of a string literal is not a
finding.
"""

from __future__ import annotations

import ast
import pathlib
import re
from typing import Final

import ascc_salvage

SOURCE: Final = pathlib.Path(ascc_salvage.__file__).parent

FORBIDDEN_BUILTINS: Final = frozenset({"eval", "exec", "compile", "__import__", "breakpoint"})
FORBIDDEN_MODULES: Final = frozenset({"pickle", "marshal", "shelve", "dill", "yaml", "cloudpickle"})
FORBIDDEN_ATTRIBUTES: Final = frozenset(
    {
        ("pickle", "load"),
        ("pickle", "loads"),
        ("pickle", "Unpickler"),
        ("yaml", "load"),
        ("yaml", "unsafe_load"),
        ("yaml", "full_load"),
        ("importlib", "import_module"),
        ("os", "system"),
        ("os", "popen"),
        ("subprocess", "run"),
        ("subprocess", "Popen"),
        ("subprocess", "call"),
        ("subprocess", "check_output"),
    }
)
TEXT_PATTERNS: Final = (
    r"\beval\(",
    r"\bexec\(",
    r"pickle\.load",
    r"yaml\.load",
    r"\bmarshal\b",
    r"__import__",
)

#: (relative path, finding) → why it is safe.
ALLOWED: Final[dict[tuple[str, str], str]] = {
    ("__init__.py", "importlib.import_module()"): (
        "lazy top-level names: the module name comes from the constant _LAZY table, looked "
        "up by attribute name (module __getattr__), never from a case document"
    ),
    **{
        ("_fastcase.py", finding): (
            "the case structure functions and the digest's document writers are generated "
            "once per case class, as attrs and cattrs generate theirs, from the model's own "
            "field names, types, bounds and rules; no text of a case document reaches the "
            "generated source"
        )
        for finding in ("compile()", "exec()", r"text \bexec\(")
    },
}


def findings_in(source: str) -> list[str]:
    """Forbidden constructs in one module's source, as short descriptions."""
    found: list[str] = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _root(a.name) in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if _root(node.module) in FORBIDDEN_MODULES:
                found.append(f"from {node.module} import")
            found += [
                f"from {node.module} import {a.name}"
                for a in node.names
                if (_root(node.module), a.name) in FORBIDDEN_ATTRIBUTES
            ]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_BUILTINS:
                found.append(f"{func.id}()")
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if _imports_a_literal_module(node):
                    continue
                if (func.value.id, func.attr) in FORBIDDEN_ATTRIBUTES:
                    found.append(f"{func.value.id}.{func.attr}()")
                if func.value.id == "builtins" and func.attr in FORBIDDEN_BUILTINS:
                    found.append(f"builtins.{func.attr}()")
    for pattern in TEXT_PATTERNS:
        found += [f"text {pattern}" for _ in re.finditer(pattern, source)]
    return found


def _imports_a_literal_module(call: ast.Call) -> bool:
    """``importlib.import_module("a.literal.name")`` imports nothing chosen by input."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and (func.value.id, func.attr) == ("importlib", "import_module")
        and len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and isinstance(call.args[0].value, str)
    )


def _root(module: str) -> str:
    return module.split(".", 1)[0]


def test_the_library_source_has_no_code_execution_or_unsafe_deserialisation() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 20  # the scan sees the whole package
    problems = []
    for module in modules:
        relative = module.relative_to(SOURCE).as_posix()
        for finding in findings_in(module.read_text(encoding="utf-8")):
            if (relative, finding) not in ALLOWED:
                problems.append(f"{relative}: {finding}")
    assert problems == []


def test_the_scan_finds_each_forbidden_construct() -> None:
    """Control: the scanner is not blind."""
    planted = {
        "eval(text)": "eval()",
        "exec(code)": "exec()",
        "compile(text, 'f', 'exec')": "compile()",
        "__import__(name)": "__import__()",
        "import pickle": "import pickle",
        "import marshal": "import marshal",
        "from yaml import load": "from yaml import",
        "pickle.loads(data)": "pickle.loads()",
        "yaml.load(text)": "yaml.load()",
        "importlib.import_module(name)": "importlib.import_module()",
        "os.system(cmd)": "os.system()",
        "builtins.eval(x)": "builtins.eval()",
    }
    for source, expected in planted.items():
        assert expected in findings_in(source), source
    assert findings_in("import json\njson.loads(text)\nre.compile('x')\n") == []
    assert findings_in("importlib.import_module('ascc_salvage.units')") == []
