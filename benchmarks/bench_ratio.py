"""Every row of the performance table as a ratio to the bare-Python floor, in one run.

Run on purpose, never as a test (from the project root)::

    python benchmarks/bench_ratio.py                  # everything
    python benchmarks/bench_ratio.py --skip-batch     # in-process rows and cold start only

The floor (``floor.py``: the same decision from the same document with plain dicts and
floats) lives in the shared benchmark directory, ``../shared/bench`` beside the project root
(``--floor-dir``). Three parts:

* **In process**, interleaved, best of ``--rounds`` per step on ``--cases`` documents (the
  documents of ``ratio.py``): ``load_case``, ``recommend``, ``result_to_dict`` + compact
  ``json.dumps`` and JSON text → JSON text, each as ``ratio.py`` defines it (standard
  library ``json``) and through the library's own serialisation (``result_to_json``).
* **Cold start**, in fresh processes, alternating: ``ascc-salvage recommend --example
  persistent_resectable --format json`` against ``python -c "import pint;
  pint.UnitRegistry()"``, median of ``--starts`` each. Bytecode is cached (in a private
  ``PYTHONPYCACHEPREFIX``, warmed first), as for an installed package; this matters where
  ``PYTHONDONTWRITEBYTECODE`` is set, which would recompile the library on every start
  while pint's site-packages bytecode is cached.
* **Batch**: ``ascc-salvage batch`` on ``--lines`` lines with ``--workers 1`` and ``2``,
  alternating, median of ``--batch-runs`` each; wall time of the whole command.

The machine, the load average before and after each part, and every figure are printed.
``--src DIR`` measures another tree (e.g. an export of an older commit) with this script:
the subprocesses get ``PYTHONPATH=DIR``; run the script itself with ``PYTHONPATH=DIR`` too.
Rows of functions a tree does not have are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine  # noqa: E402


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f}"


SOURCE = ROOT / "src"


def _environment(cache: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SOURCE), "PYTHONPYCACHEPREFIX": cache}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def in_process(floor_dir: Path, cases: int, rounds: int) -> None:
    sys.path.insert(0, str(floor_dir))
    import floor  # the shared bare-Python floor
    import ratio  # its documents

    import ascc_salvage as a

    docs = ratio.documents(cases)
    texts = [json.dumps(d) for d in docs]
    loaded = [a.load_case(t) for t in texts]
    results = [a.recommend(c) for c in loaded]

    def stdlib(result: Any) -> str:
        return json.dumps(a.result_to_dict(result), ensure_ascii=False, separators=(",", ":"))

    fast = getattr(a, "result_to_json", None)
    if fast is not None:
        assert all(fast(r) == stdlib(r) for r in results)  # the same bytes
    steps: dict[str, Callable[[], object]] = {
        "floor": lambda: [floor.decide(d) for d in docs],
        "load_case": lambda: [a.load_case(t) for t in texts],
        "recommend": lambda: [a.recommend(c) for c in loaded],
        "result_to_dict + json.dumps": lambda: [stdlib(r) for r in results],
        "result_to_json": lambda: [a.result_to_json(r) for r in results],
        "text -> text (json.dumps)": lambda: [stdlib(a.recommend(a.load_case(t))) for t in texts],
        "text -> text (result_to_json)": lambda: [
            a.result_to_json(a.recommend(a.load_case(t))) for t in texts
        ],
    }
    if fast is None:
        del steps["result_to_json"], steps["text -> text (result_to_json)"]
    best = dict.fromkeys(steps, float("inf"))
    print(f"in process: {cases} documents, best of {rounds} interleaved rounds; {_load()}")
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            best[name] = min(best[name], (time.perf_counter() - start) / cases)
    for name, seconds in best.items():
        print(f"  {name:32s} {seconds * 1e6:9.1f} µs/case  {seconds / best['floor']:7.1f}× floor")
    print(f"  ({_load()})")


def _wall(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_start(starts: int) -> None:
    with tempfile.TemporaryDirectory(prefix="ascc-bench-pyc-") as cache:
        env = _environment(cache)
        cli = [sys.executable, "-m", "ascc_salvage", "recommend"]
        cli += ["--example", "persistent_resectable", "--format", "json"]
        pint = [sys.executable, "-c", "import pint; pint.UnitRegistry()"]
        _wall(cli, env), _wall(pint, env)  # warm the bytecode and the file cache
        ours: list[float] = []
        theirs: list[float] = []
        print(f"cold start: {starts} fresh processes each, alternating; {_load()}")
        for _ in range(starts):
            ours.append(_wall(cli, env))
            theirs.append(_wall(pint, env))
        mine, reference = statistics.median(ours), statistics.median(theirs)
        print(f"  recommend --format json    median {mine * 1e3:7.1f} ms")
        print(f"  import pint; UnitRegistry  median {reference * 1e3:7.1f} ms")
        print(f"  ratio                      {mine / reference:.2f}×")
        print(f"  ({_load()})")


def batch(floor_dir: Path, lines: int, runs: int) -> None:
    sys.path.insert(0, str(floor_dir))
    import ratio

    with tempfile.TemporaryDirectory(prefix="ascc-bench-batch-") as directory:
        env = _environment(str(Path(directory) / "pyc"))
        path = Path(directory) / "cases.jsonl"
        docs = ratio.documents(lines)
        path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        command = [sys.executable, "-m", "ascc_salvage", "batch", str(path)]
        command += ["--out", os.devnull]

        cpu: dict[int, list[tuple[float, float]]] = {1: [], 2: []}

        def run(workers: int) -> float:
            start = time.perf_counter()
            process = subprocess.run(
                [sys.executable, "-c", _CPU_WRAPPER, *command[3:], "--workers", str(workers)],
                env=env,
                check=True,
                stderr=subprocess.PIPE,
                text=True,
            )
            wall = time.perf_counter() - start
            parent, children = map(float, process.stderr.strip().splitlines()[-1].split())
            cpu[workers].append((parent, children))
            return wall

        run(1)  # warm the bytecode
        # The main process's start-up (imports) runs before any worker exists: serial in both
        # runs. Its CPU is that of the main process of a two-worker run on a one-line file
        # (the workers import the engine themselves, in parallel).
        one_line = Path(directory) / "one.jsonl"
        one_line.write_text(json.dumps(docs[0]) + "\n", encoding="utf-8")
        startups = []
        one_line_command = ["batch", str(one_line), "--out", os.devnull, "--workers", "2"]
        for _ in range(3):
            starting = subprocess.run(
                [sys.executable, "-c", _CPU_WRAPPER, *one_line_command],
                env=env,
                check=True,
                stderr=subprocess.PIPE,
                text=True,
            )
            startups.append(float(starting.stderr.strip().splitlines()[-1].split()[0]))
        startup = statistics.median(startups)
        one: list[float] = []
        two: list[float] = []
        print(f"batch: {lines} lines, median of {runs} runs each, alternating; {_load()}")
        for _ in range(runs):
            one.append(run(1))
            two.append(run(2))
        first, second = statistics.median(one), statistics.median(two)
        print(f"  --workers 1  median {first:6.2f} s  ({lines / first:7.0f} lines/s)  {one}")
        print(f"  --workers 2  median {second:6.2f} s  ({lines / second:7.0f} lines/s)  {two}")
        print(f"  speed-up     {first / second:.2f}×")
        for workers, times in cpu.items():
            parent = statistics.median(t[0] for t in times)
            children = statistics.median(t[1] for t in times)
            print(
                f"  --workers {workers}: CPU of the main process {parent:6.2f} s, "
                f"of the workers {children:6.2f} s"
            )
        # With the main process's CPU p (of which the start-up s runs before the workers
        # fork) and the workers' CPU w, both of --workers 2, an idle machine with c cores
        # finishes in at least s + max(p - s, w / 2, (p - s + w) / c): after the start-up the
        # main process and the two workers share the cores (two cores: (p - s + w) / 2).
        parent = statistics.median(t[0] for t in cpu[2])
        children = statistics.median(t[1] for t in cpu[2])
        single = statistics.median(t[0] for t in cpu[1])
        cores = os.cpu_count() or 1
        running = max(parent - startup, 0.0)
        floor = startup + max(running, children / 2, (running + children) / cores)
        print(f"  start-up CPU (one line, median of 3)  {startup:6.2f} s")
        print(f"  idle-machine bound  {single / floor:.2f}× (CPU time, {cores} cores)")
        print(f"  ({_load()})")


#: Runs ``python -m ascc_salvage ARGS`` in this process, then writes its own CPU time and
#: that of its (finished) worker processes to stderr.
_CPU_WRAPPER = """
import resource, sys
sys.argv = ["ascc-salvage", *sys.argv[1:]]
from ascc_salvage.cli import main
try:
    main()
finally:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime, file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--floor-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--starts", type=int, default=7)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--batch-runs", type=int, default=3)
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--skip-cold-start", action="store_true")
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.src.resolve()
    print(f"{'tree':14s} {SOURCE}")
    for key, value in machine():
        print(f"{key:14s} {value}")
    print()
    in_process(args.floor_dir, args.cases, args.rounds)
    if not args.skip_cold_start:
        cold_start(args.starts)
    if not args.skip_batch:
        batch(args.floor_dir, args.lines, args.batch_runs)


if __name__ == "__main__":
    main()
