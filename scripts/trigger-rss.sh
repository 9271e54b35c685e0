#!/usr/bin/env bash
# A soak-shaped run with a trigger every second (embedded simulator), printing the process's RSS
# every 10 s: the per-trigger memory must stay bounded (RSS flat once the ramp is over).
#
#   scripts/trigger-rss.sh [BINARY] [DURATION] [SESSIONS]
#   e.g. scripts/trigger-rss.sh .build/release/bgbfleet 3m 200
#
# The embedded simulator keeps every client operation it ran (its per-client records), so its
# memory grows with the triggers. To see the generator alone, run `bgbfleet mp-sim` in another
# terminal, register a pool with it, and set MP_ARGS, e.g.
#   MP_ARGS="--mp 127.0.0.1 --trigger-url http://127.0.0.1:8080 --identities pool/" scripts/trigger-rss.sh …
set -euo pipefail
binary=${1:-.build/release/bgbfleet}
duration=${2:-3m}
sessions=${3:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/profile.yaml" <<YAML
# trigger-rss: $sessions sessions, a Download Computer Policy to all of them every second.
sessions: $sessions
rate: 200
duration: $duration
keepalive: 15m
triggers:
  - {at: 5s, every: 1s, type: 8}
thresholds: [delivery>=99%]
YAML
# shellcheck disable=SC2086
"$binary" run --profile "$work/profile.yaml" ${MP_ARGS:-} --quiet --output "$work/run" >"$work/stdout" 2>"$work/stderr" &
pid=$!
echo "time_s rss_kib"
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $rss"
  sleep 10
done
wait "$pid" && status=0 || status=$?
grep -E '^(counters|delivery):' "$work/stdout" || true
echo "pushes.csv rows (triggers): $(( $(wc -l <"$work/run/pushes.csv") - 1 )); exit status $status"
