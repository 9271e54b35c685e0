#!/usr/bin/env bash
# Builds and runs one libFuzzer target of the Fuzz/ package for a given time.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]
#
#   TARGET   frames (FuzzFrames), multipart (FuzzMultipart), hlog (FuzzHlog), canonical
#            (FuzzCanonical) or http (FuzzHTTP)
#   SECONDS  -max_total_time; 0 only builds and seeds
#
# Environment:
#   FUZZ_CONFIG   release (default: -O, what the recorded runs used) or debug (-Onone, slower, better traces)
#   FUZZ_JOBS     build jobs (default 2)
#   BGB_VECTORS   golden vectors directory (default Tests/Vectors)
#   FUZZ_NO_BUILD set to 1 to run the binary already in .build-fuzz without calling swift build
#   FUZZ_SCRATCH  build directory (default .build-fuzz; another one lets two targets build at once)
#
# Outputs: working corpus Fuzz/corpus/TARGET (git-ignored; seeded from the vectors and from the kept
# corpus Fuzz/corpora/TARGET; keep a run's finds with `BINARY -merge=1 Fuzz/corpora/TARGET Fuzz/corpus/TARGET`), findings and the run log in
# fuzz-artifacts/TARGET/ (git-ignored). Exit status: 0 no finding, 1 a finding, other: build/usage.
# Reproduce a finding: .build-fuzz/release/FuzzFrames fuzz-artifacts/frames/crash-… (see docs/fuzzing.md).
set -euo pipefail

usage() {
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
}

[[ $# -ge 2 ]] || usage
target=$1
seconds=$2
shift 2
[[ $seconds =~ ^[0-9]+$ ]] || usage

case $target in
frames | FuzzFrames)
    name=frames product=FuzzFrames max_len=4096
    ;;
multipart | FuzzMultipart)
    name=multipart product=FuzzMultipart max_len=9000
    ;;
hlog | FuzzHlog)
    name=hlog product=FuzzHlog max_len=4096
    ;;
canonical | FuzzCanonical)
    name=canonical product=FuzzCanonical max_len=2048
    ;;
http | FuzzHTTP)
    name=http product=FuzzHTTP max_len=4096
    ;;
*) usage ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=${FUZZ_CONFIG:-release}
jobs=${FUZZ_JOBS:-2}
vectors=${BGB_VECTORS:-$root/Tests/Vectors}
scratch=${FUZZ_SCRATCH:-$root/.build-fuzz}

# SwiftPM's `--sanitize fuzzer --sanitize address` hands swiftc two separate `-sanitize=` flags, and
# swiftc keeps only the last one: Swift code would get ASan but no coverage instrumentation.
# `-Xswiftc -sanitize=fuzzer,address` (appended after them) restores both; the `--sanitize` flags stay
# for the C targets and the link step (libFuzzer's main, the ASan runtime).
if [[ ${FUZZ_NO_BUILD:-0} != 1 ]]; then
    echo "== building $product ($config)"
    (cd Fuzz && swift build -c "$config" --scratch-path "$scratch" -j "$jobs" \
        --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address \
        --product "$product" 2>&1 | grep -v "Cannot export local symbol" | tail -n 3)
fi
binary=$scratch/$config/$product
[[ -x $binary ]] || { echo "build produced no $binary" >&2; exit 3; }

corpus=Fuzz/corpus/$name
artifacts=fuzz-artifacts/$name
mkdir -p "$corpus" "$artifacts"
if [[ -d $vectors ]]; then
    python3 Fuzz/make_seeds.py "$name" "$vectors" "$corpus"
else
    echo "warning: no golden vectors at $vectors; starting from the existing corpus" >&2
fi
# The kept corpus (Fuzz/corpora/TARGET, committed: a minimised merge of earlier runs) goes in too.
if [[ -d Fuzz/corpora/$name ]]; then
    cp -n Fuzz/corpora/"$name"/* "$corpus"/ 2>/dev/null || true
fi
[[ $seconds -gt 0 ]] || exit 0

log=$artifacts/run-$(date -u +%Y%m%dT%H%M%SZ).log
echo "== fuzzing $product for ${seconds}s, log $log"
before=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
status=0
# SWIFT_BACKTRACE=enable=no: the Swift runtime's backtracer would attach to a crashing target and
# can keep it (and this script) waiting; libFuzzer and ASan print the stack themselves.
SWIFT_BACKTRACE=enable=no \
ASAN_OPTIONS=${ASAN_OPTIONS:-} \
    "$binary" "$corpus" \
    -dict="Fuzz/dictionaries/$name.dict" \
    -max_total_time="$seconds" \
    -max_len="$max_len" \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$artifacts/" \
    "$@" >"$log" 2>&1 || status=$?

echo "== result"
grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
echo "corpus: $(find "$corpus" -type f | wc -l) files"
after=$(find "$artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
if [[ $status -ne 0 || $after -gt $before ]]; then
    echo "FINDING (libFuzzer exit $status):"
    grep -E 'ERROR: (libFuzzer|AddressSanitizer)|Fatal error|SUMMARY|Test unit written' "$log" | head -n 10 || true
    grep -E -m 3 '^#[0-9]+ 0x' "$log" || true
    exit 1
fi
echo "no findings"
