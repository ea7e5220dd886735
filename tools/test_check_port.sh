#!/usr/bin/env bash
# Tests of tools/check_port.py: the NumPy reference port must pass every golden file in float32 and
# float64 (both CDF variants where there are two), deliberately wrong ports must fail (exit 1), and
# unusable arguments must exit 2. Run from anywhere: bash tools/test_check_port.sh
#
# Environment: GOLDEN_DIR (default golden/ in the repository), PYTHON (default python3),
# DDPM_GOLDEN (a ddpm-golden binary; default: build the release binary with cargo).
# Needs numpy (python3 -m pip install numpy).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in tools/
golden_dir="${GOLDEN_DIR:-$root/golden}"

if [[ -n "${DDPM_GOLDEN:-}" ]]; then
    bin="$DDPM_GOLDEN"
else
    echo "== cargo build --release"
    cargo build --release --quiet
    target_dir="$(cargo metadata --format-version 1 --no-deps \
        | "$python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
    bin="$target_dir/release/ddpm-golden"
fi
[[ -x "$bin" ]] || { echo "no ddpm-golden binary at $bin" >&2; exit 2; }

passed=0
failed=0
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# expect CODE DESCRIPTION ARGS...: runs check_port.py ARGS and requires exit code CODE.
expect() {
    local want="$1" what="$2"
    shift 2
    local got=0
    "$python" tools/check_port.py "$@" --ddpm-golden "$bin" >"$log" 2>&1 || got=$?
    if [[ "$got" == "$want" ]]; then
        passed=$((passed + 1))
        echo "ok    $what (exit $got): $(grep -E '^(PASS|FAIL)|error:|check_port: FAIL' "$log" | tail -1 || true)"
    else
        failed=$((failed + 1))
        echo "FAIL  $what: exit $got, expected $want; output:"
        sed 's/^/      /' "$log" | tail -30
    fi
}

port=tools/numpy_port.py
mutants=tools/testdata/numpy_mutants.py

for file in normal_kl mean_flat standard_normal_cdf discretized_gaussian_log_likelihood; do
    [[ -f "$golden_dir/$file.json" ]] || {
        failed=$((failed + 1))
        echo "FAIL  missing golden file $golden_dir/$file.json"
    }
done

g() { echo "$golden_dir/$1.json"; }

echo "== the NumPy port passes"
for dtype in float32 float64; do
    expect 0 "normal_kl $dtype" "$(g normal_kl)" $port:normal_kl --dtype $dtype
    expect 0 "mean_flat $dtype" "$(g mean_flat)" $port:mean_flat --dtype $dtype
    expect 0 "cdf $dtype tanh" "$(g standard_normal_cdf)" $port:approx_standard_normal_cdf \
        --dtype $dtype --variant tanh
    expect 0 "cdf $dtype erf" "$(g standard_normal_cdf)" $port:erf_standard_normal_cdf \
        --dtype $dtype --variant erf
    for variant in tanh erf; do
        expect 0 "log-likelihood $dtype $variant" "$(g discretized_gaussian_log_likelihood)" \
            $port:discretized_gaussian_log_likelihood_$variant --dtype $dtype --variant $variant
    done
done
# module:function form, importable from the repository root
expect 0 "normal_kl as tools.numpy_port:normal_kl" "$(g normal_kl)" tools.numpy_port:normal_kl \
    --framework numpy --dtype float32 --variant erf

echo "== wrong ports fail"
expect 1 "log-likelihood with half-width 1/256, float32" "$(g discretized_gaussian_log_likelihood)" \
    $mutants:loglik_half_width_1_256 --dtype float32 --variant tanh
expect 1 "log-likelihood with half-width 1/256, float64" "$(g discretized_gaussian_log_likelihood)" \
    $mutants:loglik_half_width_1_256 --dtype float64 --variant tanh
expect 1 "log-likelihood whose clamp swallows NaN" "$(g discretized_gaussian_log_likelihood)" \
    $mutants:loglik_clamp_swallows_nan --dtype float32 --variant tanh
expect 1 "normal_kl without 0.5, float32" "$(g normal_kl)" $mutants:normal_kl_without_half --dtype float32
expect 1 "normal_kl without 0.5, float64" "$(g normal_kl)" $mutants:normal_kl_without_half --dtype float64
expect 1 "tanh cdf with 0.0447" "$(g standard_normal_cdf)" $mutants:cdf_tanh_wrong_constant \
    --dtype float32 --variant tanh
expect 1 "the tanh port judged as erf" "$(g standard_normal_cdf)" $port:approx_standard_normal_cdf \
    --dtype float64 --variant erf

echo "== unusable arguments exit 2"
expect 2 "nonexistent module" "$(g normal_kl)" no_such_module_xyz:normal_kl --dtype float32
expect 2 "missing function" "$(g normal_kl)" $port:no_such_function --dtype float32
expect 2 "bad dtype" "$(g normal_kl)" $port:normal_kl --dtype float16
expect 2 "missing --variant for the CDF" "$(g standard_normal_cdf)" $port:erf_standard_normal_cdf \
    --dtype float32
expect 2 "nonexistent golden file" "$golden_dir/no_such_file.json" $port:normal_kl --dtype float32

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
