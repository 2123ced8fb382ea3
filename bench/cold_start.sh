#!/usr/bin/env bash
# Cold-start latency of the `arazzo` CLI: a fresh process each time, min and median of N (default 10).
#
# Run: bash bench/cold_start.sh [N]
#
#   arazzo --help                 target <= 100 ms
#   arazzo validate FLAGSHIP      target <= 400 ms
#   arazzo run FLAGSHIP           no target; a full run, 1 + 5 + 1 requests:
#       with --replay tests/recordings/amazon-sagemaker-train-and-poll-job.har when that recording
#       exists and `arazzo run` has --replay, else against the SageMaker emulator (InProgress 5 times, SigV4 verified) started
#       once in the background on 127.0.0.1, with --poll-interval 0 (the script says which).
#
# Why this way: each figure is a whole process (interpreter start, imports, work), which is what a
# user or a CI step pays. hyperfine is used when installed; otherwise a loop timed with python's
# perf_counter around subprocess.run (same thing, fewer statistics).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-10}"
PY="$ROOT/.venv/bin/python"
ARAZZO="$ROOT/.venv/bin/arazzo"
FLAGSHIP="workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS="workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json"
RECORDING="tests/recordings/amazon-sagemaker-train-and-poll-job.har"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $("$PY" --version)"

EMULATOR_PID=""
cleanup() { if [[ -n "$EMULATOR_PID" ]]; then kill "$EMULATOR_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [[ -f "$RECORDING" ]] && "$ARAZZO" run --help 2>/dev/null | grep -q -- '--replay'; then
  RUN_MODE="replay of $RECORDING"
  RUN_ARGS=(run "$FLAGSHIP" --inputs "$INPUTS" --replay "$RECORDING" -q)
  RUN_ENV=()
else
  # The emulator's throwaway key: never real credentials.
  FIFO="$(mktemp -u)"
  mkfifo "$FIFO"
  "$PY" -m arazzo_runner.aws.sagemaker_emulator --port 0 --in-progress 5 >"$FIFO" 2>/dev/null &
  EMULATOR_PID=$!
  read -r URL <"$FIFO"
  rm -f "$FIFO"
  RUN_MODE="emulator at $URL (no $RECORDING or no --replay in this arazzo yet), --poll-interval 0, SigV4 verified"
  # @UNIQUE@ is replaced per run: the emulator refuses a second job of the same name (ResourceInUse).
  RUN_ARGS=(run "$FLAGSHIP" --inputs "$INPUTS" -i "trainingJobName=cold-@UNIQUE@" --server "sagemakerApi=$URL"
    --poll-interval 0 -q)
  RUN_ENV=(env -u AWS_PROFILE AWS_ACCESS_KEY_ID=AKIAEMULATOREXAMPLE1
    AWS_SECRET_ACCESS_KEY=emulator/secret/access/key/not-a-real-one AWS_REGION=us-east-1
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true)
fi
echo "arazzo run: $RUN_MODE"

measure() { # label target_ms command...
  local label="$1" target="$2"
  shift 2
  if command -v hyperfine >/dev/null 2>&1 && [[ "$*" != *@UNIQUE@* ]]; then
    hyperfine --warmup 1 --runs "$N" --style basic "$(printf '%q ' "$@")"
  fi
  "$PY" - "$label" "$target" "$N" "$@" <<'EOF'
import statistics, subprocess, sys, time

label, target, n, command = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
def unique(i):
    return [a.replace("@UNIQUE@", f"{time.time_ns()}-{i}") for a in command]
subprocess.run(unique(-1), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm the page cache
times = []
for i in range(n):
    argv = unique(i)
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    times.append((time.perf_counter() - started) * 1000)
    if done.returncode != 0:
        sys.exit(f"{label}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
verdict = "" if target == "-" else ("  target <= %s ms: %s" % (target, "MET" if statistics.median(times) <= float(target) else "MISSED"))
print(f"{label:<22} min {min(times):7.1f} ms   median {statistics.median(times):7.1f} ms   (n={n}){verdict}")
EOF
}

measure "arazzo --help" 100 "$ARAZZO" --help
measure "arazzo validate" 400 "$ARAZZO" validate "$FLAGSHIP"
measure "arazzo run" - "${RUN_ENV[@]}" "$ARAZZO" "${RUN_ARGS[@]}"
