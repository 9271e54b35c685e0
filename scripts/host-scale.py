#!/usr/bin/env python3
"""One host, both ends: `bgbfleet run --processes auto` with an embedded simulator per process.

Ramps N mutual-TLS sessions over as many processes as the open-file limit needs (each process
holds both ends of its sessions: the generator's and its embedded simulator's), holds them, sends
two pushes to all of them (profile triggers), and prints: sessions held, the sign-in rate, RSS per
session (both ends together, from the sum of every process's RSS: its growth from 5 % of the
sessions signed in to all of them held, after the ramp's memory is trimmed), each push to all
answered (fan-out p99 / max from pushes.csv), keep-alive lateness p99 while held (worst 1-s
interval outside the pushes), generator loop lag, and errors.

    scripts/host-scale.py --sessions 200000 --rate 1000 --identities POOL --output runs/host200k

Needs a release build (`swift build -c release --product bgbfleet`) or --binary, and a P-256 or
RSA-2048 pool of at least N identities (generated into --identities if missing).
"""
import argparse, csv, datetime, json, os, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale import ensure_pool, proc_sample  # noqa: E402


def children(pid):
    """The pids whose parent is `pid` (the worker processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=200000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--hold", type=float, default=30, help="seconds held after the ramp before the first push")
    parser.add_argument("--push-gap", type=float, default=30, help="seconds between the two pushes to all")
    parser.add_argument("--keepalive", default="60s")
    parser.add_argument("--key", default="p256", choices=["rsa2048", "p256"])
    parser.add_argument("--identities", help="the pool (generated if it holds fewer than --sessions; not needed with --analyze)")
    parser.add_argument("--source-address", default="127.0.0.1-127.0.0.8")
    parser.add_argument("--binary", default=".build/release/bgbfleet")
    parser.add_argument("--output", default="runs/host-scale")
    parser.add_argument("--analyze", action="store_true", help="only print the table of the run already in --output")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    ramp = args.sessions / args.rate
    first_push = ramp + args.hold
    second_push = first_push + args.push_gap
    duration = second_push + 20
    report = os.path.join(args.output, "run")
    if args.analyze:
        # The same --sessions, --rate, --hold and --push-gap as the run: they place its windows.
        analyze(args, report, json.load(open(os.path.join(args.output, "samples.json")))["samples"], None,
                first_push, second_push, duration, ramp)
        return
    if not args.identities:
        parser.error("--identities is needed to run")
    ensure_pool(binary, args.identities, args.sessions, args.key)
    os.makedirs(args.output, exist_ok=True)
    profile = os.path.join(args.output, "host-scale.yaml")
    with open(profile, "w") as f:
        f.write(f"# written by scripts/host-scale.py\nsessions: {args.sessions}\nrate: {args.rate:g}\n"
                f"duration: {duration:.0f}s\nkeepalive: {args.keepalive}\n"
                f"triggers:\n  - at: {first_push:.0f}s\n    type: 8\n  - at: {second_push:.0f}s\n    type: 8\n")
    started = time.time()
    run = subprocess.Popen([binary, "run", "--processes", "auto", "--profile", profile, "--identities", args.identities,
                            "--source-address", args.source_address, "--output", report, "--quiet"],
                           stdout=open(os.path.join(args.output, "run.log"), "w"), stderr=subprocess.STDOUT)
    samples = []  # (epoch, processes, rss_kib, cpu_s)
    while run.poll() is None:
        pids = children(run.pid)
        values = [v for v in (proc_sample(p) for p in pids + [run.pid]) if v[0] is not None]
        samples.append((time.time(), len(pids), sum(v[0] for v in values), sum(v[1] for v in values)))
        time.sleep(1)
    json.dump({"samples": samples}, open(os.path.join(args.output, "samples.json"), "w"))
    if run.returncode not in (0, 1):
        sys.exit(f"bgbfleet run exited {run.returncode}; see {args.output}/run.log")
    analyze(args, report, samples, started, first_push, second_push, duration, ramp)


def analyze(args, report, samples, started, first_push, second_push, duration, ramp):
    """Prints the table of the run in `report` with the RSS samples taken while it ran."""

    summary = json.load(open(os.path.join(report, "summary.json")))
    run_start = summary["start_time"]
    rows = list(csv.reader(open(os.path.join(report, "intervals.csv"))))[1:]
    signed = {}
    for r in rows:
        if r[9]:
            signed[float(r[0])] = max(signed.get(float(r[0]), 0), int(float(r[9])))
    times = sorted(signed)
    held = max(signed.values()) if signed else 0
    t5 = next((t for t in times if signed[t] >= 0.05 * args.sessions), None)
    t100 = next((t for t in times if signed[t] >= args.sessions), None)
    signins = (0.95 * args.sessions / (t100 - t5)) if t5 is not None and t100 and t100 > t5 else None

    def rss_at(offset):
        when = run_start + offset
        return min(samples, key=lambda s: abs(s[0] - when))
    per_session = None
    if t5 is not None and t100 is not None:
        # Held and trimmed (the ramp's handshake memory returned), before the first push.
        hold_at = first_push - 3
        hold_sample = rss_at(hold_at)
        signed_at_hold = max((signed[t] for t in times if t <= hold_at), default=0)
        early = rss_at(t5 + 1)
        per_session = (hold_sample[2] - early[2]) / max(1, signed_at_hold - signed[t5])
        total_hold = hold_sample[2]

    pushes = list(csv.DictReader(open(os.path.join(report, "pushes.csv"))))

    def offset(iso):
        """A pushes.csv trigger time (ISO 8601, UTC) as seconds since the run's start."""
        return datetime.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - run_start
    # A push to all and its fan-out: the trigger to its slowest session reached, plus 3 s while
    # the processes catch up with what the push held back.
    push_windows = [(offset(p["trigger_time"]), offset(p["trigger_time"]) + float(p["fanout_max_ms"] or 0) / 1000 + 3) for p in pushes]

    def worst(metric, column, start, end, skip=()):
        values = [float(r[column]) for r in rows if r[1] == metric and int(r[2]) > 0 and start <= float(r[0]) and float(r[0]) + 1 <= end
                  and not any(float(r[0]) < e and float(r[0]) + 1 > s for s, e in skip)]
        return max(values) if values else None
    hold_from = (t100 if t100 is not None else ramp) + 2
    late_held = worst("keepalive_late", 6, hold_from, duration - 5, skip=push_windows)
    late_push = max((v for v in (worst("keepalive_late", 6, s - 1, e + 1) for s, e in push_windows) if v is not None), default=None)
    lag_held = worst("loop_lag", 6, hold_from, first_push - 1)
    metrics = summary["metrics"]
    counters = summary["counters"]
    procs = max(s[1] for s in samples) if samples else 0
    print(f"\nhost scale: {args.sessions} sessions ({args.key}), {procs} processes (--processes auto), rate {args.rate:g}/s, "
          f"keep-alive {args.keepalive}, report {report}")
    table = [
        ("sessions held (peak signed in)", held),
        ("sign-ins per second (5 % → 100 % signed in)", f"{signins:.0f}" if signins else "-"),
        ("RSS per session, both ends (KiB; growth 5 % → all held)", f"{per_session:.1f}" if per_session else "-"),
        ("RSS of all processes at hold (MiB; sessions signed in then)", f"{total_hold / 1024:.0f} ({signed_at_hold})" if per_session else "-"),
    ]
    for p in pushes:
        table.append((f"push at {offset(p['trigger_time']):.0f} s: targets / reached / answered; fan-out p99 / max (s)",
                      f"{p['targets']} / {p['reached']} / {p['answered']}; {float(p['fanout_p99_ms'] or 0) / 1000:.2f} / {float(p['fanout_max_ms'] or 0) / 1000:.2f}"))
    table += [
        ("fanout p50 / p99 / max (ms: push → reached)", f"{metrics['fanout']['p50_ms']:.0f} / {metrics['fanout']['p99_ms']:.0f} / {metrics['fanout']['max_ms']:.0f}"),
        ("response p50 / p99 (ms)", f"{metrics['response']['p50_ms']:.3f} / {metrics['response']['p99_ms']:.3f}"),
        ("keepalive_late p99 while held, outside pushes (ms, worst interval)", late_held),
        ("keepalive_late p99 during the pushes to all (ms, worst interval)", late_push),
        ("loop_lag p99 while held (ms, worst interval)", lag_held),
        ("start_late p99 / max (ms)", f"{metrics['start_late']['p99_ms']:.0f} / {metrics['start_late']['max_ms']:.0f}" if "start_late" in metrics else "-"),
        ("errors", counters.get("errors_total")),
        ("wall time (s)", f"{time.time() - started:.0f}" if started else None),
    ]
    width = max(len(name) for name, _ in table)
    for name, value in table:
        shown = f"{value:.2f}" if isinstance(value, float) else ("-" if value is None else str(value))
        print(f"  {name:<{width}}  {shown:>24}")
    json.dump({"rows": table}, open(os.path.join(args.output, "host-scale.json"), "w"))


if __name__ == "__main__":
    main()
