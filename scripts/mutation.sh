#!/usr/bin/env bash
# Mutation testing of the calculators and the rules, on demand (not part of .ci/run).
#
# Usage:
#   scripts/mutation.sh calculators    # src/ascc_salvage/calculators/*  (~5-10 min on 2 cores)
#   scripts/mutation.sh rules          # engine/systemic.py and status.py (longer: the engine suite)
#   scripts/mutation.sh status         # status.py only, against the status tests (minutes)
#   scripts/mutation.sh <target> show  # list the survivors of the last run, without re-running
#
# Requirements: `pip install mutmut` (3.x; tested with 3.8.1) in the active environment, or
# point MUTMUT at its executable. Environment knobs:
#   MUTATION_DIR   where the throwaway copy lives (default /tmp/ascc-mutation-<target>)
#   MUTATION_JOBS  parallel mutant workers (default 2)
#   MUTATION_TIMEOUT  wall-clock limit of the run in seconds (default 2400)
#
# How it works:
# * mutmut rewrites the sources it mutates, so it never runs in the repository: the script
#   checks the committed HEAD out into a detached git worktree and runs there. Commit (or at
#   least stage and commit locally) new tests before running.
# * mutmut 3 has no command-line options for what to mutate or which tests to run; it reads
#   [tool.mutmut] from pyproject.toml. The script appends that section to the *copy's*
#   pyproject.toml, per target, so the repository's configuration is untouched.
# * Tests run with `--no-cov -p no:cacheprovider` (the project's addopts enforce a coverage
#   floor that a partial run cannot meet) and only the directories that exercise the target
#   (plus tests/mutation_kills), so one mutant costs seconds.
# * process_isolation = "forkserver": the calculators memoise (functools.cache on regimens,
#   thresholds and compiled plans). Forking each mutant from a process that has already run
#   the suite would hand it warm caches computed by the unmutated code and report false
#   survivors; the fork server only collects the tests, so every mutant starts cold.
# * Survivors: `cd $MUTATION_DIR && mutmut results` lists them, `mutmut show <name>` prints
#   the diff. Kill the ones that matter with a focused test in tests/mutation_kills/ (or a
#   new tests/<area>/test_*_mutants.py); leave equivalent and message-wording mutants.
# * Clean up with `git worktree remove --force $MUTATION_DIR && git worktree prune`.
set -euo pipefail

target="${1:-}"
action="${2:-run}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
mutmut="${MUTMUT:-mutmut}"
jobs="${MUTATION_JOBS:-2}"
limit="${MUTATION_TIMEOUT:-2400}"

case "$target" in
  calculators)
    only='["src/ascc_salvage/calculators/*"]'
    tests='["tests/calculators", "tests/mutation_kills"]'
    ;;
  rules)
    only='["src/ascc_salvage/engine/systemic.py", "src/ascc_salvage/status.py"]'
    tests='["tests/engine", "tests/foundation/test_status.py", "tests/mutation_kills"]'
    ;;
  status)
    only='["src/ascc_salvage/status.py"]'
    tests='["tests/foundation/test_status.py", "tests/engine/test_spec_examples.py", "tests/mutation_kills"]'
    ;;
  *)
    sed -n '2,9p' "$0" >&2
    exit 2
    ;;
esac

dir="${MUTATION_DIR:-/tmp/ascc-mutation-$target}"

if [[ "$action" == "show" ]]; then
  cd "$dir"
  "$mutmut" results
  exit 0
fi

git -C "$repo" worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
git -C "$repo" worktree prune
git -C "$repo" worktree add --detach "$dir" HEAD >/dev/null

cat >>"$dir/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["src"]
only_mutate = $only
pytest_add_cli_args_test_selection = $tests
pytest_add_cli_args = ["--no-cov", "-p", "no:cacheprovider"]
process_isolation = "forkserver"
EOF

cd "$dir"
status=0
timeout "$limit" "$mutmut" run --max-children "$jobs" >mutation.log 2>&1 || status=$?
tail -c 400 mutation.log | tr '\r' '\n' | tail -n 3
"$mutmut" results --all true | awk -F': ' '
  { module = $1; gsub(/^ +/, "", module); sub(/\.x.*$/, "", module)
    total[module]++; if ($2 == "killed" || $2 == "timeout") killed[module]++
    else if ($2 == "survived") survived[module]++ }
  END { for (m in total) printf "%-45s %4d/%-4d killed  %3d survived\n", m, killed[m], total[m], survived[m] }
' | sort
echo "survivors: cd $dir && $mutmut results; $mutmut show <name>"
exit "$status"
