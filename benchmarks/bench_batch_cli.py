"""Benchmark ``ascc-salvage batch`` end to end: wall time, throughput and peak memory.

Run on purpose, never as a test::

    python benchmarks/bench_batch_cli.py                      # 10,000 lines, workers 1 and 2
    python benchmarks/bench_batch_cli.py --lines 100000 --workers 2
    python benchmarks/bench_batch_cli.py --million            # 1,000,000 lines, memory check

Cases are drawn from the library's Hypothesis strategy (``ascc_salvage.testing.strategies.
cases()``, derandomised) and written with ``ascc_salvage.dump_case``; a pool of distinct
cases is repeated when more lines are asked for than the pool holds. Every tenth line is made
invalid in one of four ways (bad JSON, a value out of range, an unknown key, a top-level
array). The command runs as a subprocess; the script then checks that exactly one result was
written per valid line and that exactly the invalid line numbers were reported, and prints
the wall time and peak memory:

* ``peak RSS (max process)``: ``/usr/bin/time -v`` "Maximum resident set size" when it is
  installed, else ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` — the largest single
  process (the parent or one worker);
* ``peak RSS (process tree)``: the largest sum of VmRSS over the command and its worker
  processes, sampled from ``/proc`` every 0.1 s (Linux only).

With ``--million`` (or ``--discard``) the results go to ``/dev/null`` (a million results are
~15 GB) and only the counts are checked; flat memory shows as a peak close to that of the
10,000-line run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

INVALID_EVERY = 10


def _draw_pool(size: int) -> list[str]:
    """Draw *size* valid cases (compact JSON lines) from the library's strategy."""
    from hypothesis import HealthCheck, given, settings

    from ascc_salvage import dump_case
    from ascc_salvage.testing.strategies import cases

    pool: list[str] = []

    @settings(
        max_examples=size,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def collect(case: object) -> None:
        pool.append(json.dumps(dump_case(case), ensure_ascii=False, separators=(",", ":")))  # type: ignore[arg-type]

    collect()
    if not pool:  # pragma: no cover - Hypothesis always draws at least one example
        raise SystemExit("the strategy produced no cases")
    return pool


def _invalid(line: str, kind: int) -> str:
    """Make one valid line invalid in one of four ways."""
    if kind == 0:
        return line[: len(line) // 2]  # truncated JSON
    document = json.loads(line)
    if kind == 1:
        document["patient"]["ecog"] = 7
    elif kind == 2:
        document["surprise"] = True
    else:
        return json.dumps([document], separators=(",", ":"))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _lines(pool: list[str], count: int) -> Iterator[tuple[int, str, bool]]:
    """Yield (line number, text, valid) for *count* lines; every tenth line is invalid."""
    for number in range(1, count + 1):
        line = pool[(number - 1) % len(pool)]
        if number % INVALID_EVERY == 0:
            yield number, _invalid(line, (number // INVALID_EVERY) % 4), False
        else:
            yield number, line, True


def _write_cases(path: Path, pool: list[str], count: int) -> list[int]:
    invalid: list[int] = []
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for number, text, valid in _lines(pool, count):
            handle.write(text + "\n")
            if not valid:
                invalid.append(number)
    return invalid


def _tree_rss_kib(root: int) -> int:
    """Sum of VmRSS (KiB) of *root* and all its descendants, from /proc."""
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        total += int(match.group(1)) if match else 0
        stack += [int(child) for child in children]
    return total


class _Sampler(threading.Thread):
    """Samples the RSS of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.peak_kib = max(self.peak_kib, _tree_rss_kib(self.pid))


def _count_lines(path: Path) -> int:
    if str(path) == os.devnull:
        return -1
    count = 0
    with path.open("rb") as handle:
        for _ in handle:
            count += 1
    return count


def run_once(
    cases: Path, invalid: list[int], total: int, workers: int, out: Path
) -> dict[str, object]:
    """Run the command once, verify its output and return the measurements."""
    errors = cases.with_name(f"errors-{workers}.jsonl")
    stderr_path = cases.with_name(f"stderr-{workers}.txt")
    time_log = cases.with_name(f"time-{workers}.txt")
    command = [
        sys.executable, "-m", "ascc_salvage", "batch", str(cases),
        "--out", str(out), "--errors", str(errors), "--workers", str(workers),
    ]  # fmt: skip
    gnu_time = Path("/usr/bin/time").exists()
    if gnu_time:
        command = ["/usr/bin/time", "-v", "-o", str(time_log), *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with stderr_path.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        sampler = _Sampler(process.pid)
        sampler.start()
        code = process.wait()
        wall = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
    if gnu_time:
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_log.read_text())
        peak_kib = int(match.group(1)) if match else -1
        source = "/usr/bin/time -v"
    else:
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        source = "getrusage(RUSAGE_CHILDREN)" + (" (may include earlier runs)" if before else "")
    valid = total - len(invalid)
    reported = [
        json.loads(line)["line"] for line in errors.read_text(encoding="utf-8").splitlines()
    ]
    summary = stderr_path.read_text(encoding="utf-8", errors="replace")
    expected_summary = f"batch: {total} cases read, {valid} valid, {len(invalid)} invalid"
    written = _count_lines(out)
    checks = {
        "exit status 2": code == 2,
        "one result per valid line": written in (-1, valid),
        "invalid line numbers reported": reported == invalid,
        "summary counts": expected_summary in summary,
    }
    return {
        "lines": total,
        "workers": workers,
        "valid": valid,
        "invalid": len(invalid),
        "results_written": written,
        "wall_s": round(wall, 2),
        "lines_per_s": round(total / wall, 1),
        "peak_rss_max_process_mib": round(peak_kib / 1024, 1),
        "peak_rss_source": source,
        "peak_rss_process_tree_mib": round(sampler.peak_kib / 1024, 1),
        "checks": checks,
        "ok": all(checks.values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Generate the cases, run the command for each worker count and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--million", action="store_true", help="1,000,000 lines, out to /dev/null")
    parser.add_argument("--discard", action="store_true", help="write the results to /dev/null")
    parser.add_argument("--pool", type=int, default=2_000, help="distinct cases drawn (repeated)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    total = 1_000_000 if args.million else args.lines
    started = time.perf_counter()
    pool = _draw_pool(min(args.pool, total))
    drawn = time.perf_counter() - started
    reports = []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as directory:
        cases = Path(directory) / "cases.jsonl"
        invalid = _write_cases(cases, pool, total)
        size_mib = cases.stat().st_size / 2**20
        print(
            f"{total} lines ({len(invalid)} invalid) from {len(pool)} distinct cases drawn in "
            f"{drawn:.1f} s; input {size_mib:.1f} MiB; {os.cpu_count()} CPUs",
            file=sys.stderr,
        )
        for workers in args.workers:
            discard = args.million or args.discard
            out = Path(os.devnull) if discard else Path(directory) / f"out-{workers}.jsonl"
            report = run_once(cases, invalid, total, workers, out)
            reports.append(report)
            print(
                f"workers={workers}: {report['wall_s']} s ({report['lines_per_s']} lines/s), "
                f"peak RSS {report['peak_rss_max_process_mib']} MiB max process, "
                f"{report['peak_rss_process_tree_mib']} MiB process tree; "
                f"checks {'passed' if report['ok'] else 'FAILED: ' + str(report['checks'])}",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(reports, indent=2))
    return 0 if all(report["ok"] for report in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
