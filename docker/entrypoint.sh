#!/bin/sh
# The bgbfleet image's entrypoint.
#
# 1. Raises the open-file soft limit to the hard limit: containers start with a soft limit of 1024,
#    and every session holds a socket (two with the embedded simulator). bgbfleet raises it itself
#    too; doing it here also covers tools run through this script.
# 2. Runs bgbfleet with the arguments given. Normally it replaces this shell (exec), so that signals
#    reach bgbfleet directly and its exit status is the container's.
#
#    With BGBFLEET_WAIT_FOR_FETCH=SECONDS (the coordinator Job), the script stays, forwards SIGTERM
#    and SIGINT, and once bgbfleet has exited waits until the report was fetched — a file
#    `.fetched` appears in BGBFLEET_REPORT_DIR (default /reports) — or SECONDS pass, then exits with
#    bgbfleet's status:
#        kubectl cp <coordinator-pod>:/reports ./reports
#        kubectl exec <coordinator-pod> -- touch /reports/.fetched
#
# BGBFLEET_BINARY overrides the binary (default /usr/local/bin/bgbfleet).
set -eu

binary="${BGBFLEET_BINARY:-/usr/local/bin/bgbfleet}"

hard="$(ulimit -H -n)"
if [ "$hard" != "$(ulimit -S -n)" ]; then
    ulimit -S -n "$hard" 2>/dev/null \
        || echo "bgbfleet-entrypoint: cannot raise the open-file limit to $hard; it stays $(ulimit -S -n)" >&2
fi

wait_seconds="${BGBFLEET_WAIT_FOR_FETCH:-}"
if [ -z "$wait_seconds" ]; then
    exec "$binary" "$@"
fi
case "$wait_seconds" in
    *[!0-9]*) echo "bgbfleet-entrypoint: BGBFLEET_WAIT_FOR_FETCH=$wait_seconds: not a number of seconds" >&2; exit 2 ;;
esac

report_dir="${BGBFLEET_REPORT_DIR:-/reports}"
"$binary" "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null || true' TERM
trap 'kill -INT "$child" 2>/dev/null || true' INT
status=0
wait "$child" || status=$?
# `wait` returns early when a trapped signal arrives: wait again until the child is gone.
while kill -0 "$child" 2>/dev/null; do
    status=0
    wait "$child" || status=$?
done
trap - TERM INT

echo "bgbfleet-entrypoint: bgbfleet exited with status $status; waiting up to ${wait_seconds}s for the report in $report_dir to be fetched (touch $report_dir/.fetched when done)" >&2
waited=0
while [ "$waited" -lt "$wait_seconds" ] && [ ! -e "$report_dir/.fetched" ]; do
    sleep 1
    waited=$((waited + 1))
done
exit "$status"
