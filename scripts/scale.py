#!/usr/bin/env python3
"""The scale run: the MP simulator and the generator as separate processes on loopback.

Ramps to N mutual-TLS sessions, holds them, pushes to all of them several times (bursts), then
pushes at a fixed rate (10,000 pushes/s by default, as batches of target lists), and prints one
table: each figure next to its target from ../shared/spec/design.md, marked met or missed.

    scripts/scale.py --sessions 19000                  # release binary, RSA-2048 pool
    scripts/scale.py --sessions 2000 --key p256        # a quick look

Needs a release build (`swift build -c release --product bgbfleet`) or --binary. Identities are
generated into --identities once (RSA-2048 takes a while) and reused.
"""
import argparse, json, os, re, signal, subprocess, sys, threading, time, urllib.request

TARGETS = {
    "sessions": 19000, "rss_per_session_kib": 16, "signins_per_s": 1000, "all_answered_s": 3.0,
    "cpu_per_push_us": 20, "response_p99_ms": 1.0, "keepalive_late_p99_ms": 50, "sim_rss_per_session_kib": 12,
}


def clock_ticks():
    return os.sysconf(os.sysconf_names["SC_CLK_TCK"])


def proc_sample(pid):
    """(rss_kib, cpu_seconds, user_seconds, system_seconds) of a process."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        user, system = int(fields[11]) / clock_ticks(), int(fields[12]) / clock_ticks()
        return rss, user + system, user, system
    except (OSError, AttributeError):
        return None, None, None, None


def minor_faults(pid):
    """Minor page faults of a process so far (/proc/PID/stat minflt)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[7])
    except (OSError, IndexError, ValueError):
        return 0


def thread_sample(pid):
    """(cpu_seconds, context_switches) of a process, summed over its threads: CPU from
    /proc/PID/task/*/schedstat (nanoseconds, where /proc/PID/stat counts 10 ms ticks), switches
    voluntary + involuntary (a loop thread that sleeps in epoll_wait between batches switches)."""
    cpu, switches = 0, 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    cpu += int(f.read().split()[0])
                with open(f"/proc/{pid}/task/{task}/status") as f:
                    switches += sum(int(n) for n in re.findall(r"ctxt_switches:\s+(\d+)", f.read()))
            except OSError:
                pass
    except OSError:
        return None, None
    return cpu / 1e9, switches


def http_json(url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read() or b"{}")


class Sampler(threading.Thread):
    """Samples RSS and CPU of the two processes every 100 ms."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids, self.samples, self.stop = pids, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            now = time.monotonic()
            self.samples.append((now, {name: proc_sample(pid) for name, pid in self.pids.items()}))
            self.stop.wait(0.1)

    def at(self, when, name):
        best = min(self.samples, key=lambda s: abs(s[0] - when))
        return best[1][name]


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def ensure_pool(binary, pool, count, key):
    """Generates into `pool` the identities it lacks to hold `count` (RSA-2048 takes a while)."""
    try:
        have = json.load(open(os.path.join(pool, "manifest.json")))["count"]
    except (OSError, ValueError, KeyError):
        have = 0
    if have < count:
        print(f"identities: {pool} ({key}); generating what is missing", flush=True)
        subprocess.run([binary, "identities", "generate", "--count", str(count), "--identities", pool, "--key", key],
                       check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=19000)
    parser.add_argument("--rate", type=float, default=1500, help="arrivals per second (default 1500)")
    parser.add_argument("--hold", type=float, default=15, help="seconds to hold after the ramp before pushing")
    parser.add_argument("--bursts", type=int, default=3, help="pushes to all sessions at once")
    parser.add_argument("--push-rate", type=int, default=10000, help="pushes/s of the rate phase (0 = skip)")
    parser.add_argument("--rate-seconds", type=float, default=3, help="length of the rate phase")
    parser.add_argument("--keepalive", default="60s", help="keep-alive interval during the run")
    parser.add_argument("--key", default="rsa2048", choices=["rsa2048", "p256"], help="the clients' identity keys")
    parser.add_argument("--server-key", choices=["rsa2048", "p256"], default="rsa2048",
                        help="the simulator's TLS key (rsa2048 as an MP; p256 leaves the cores to the generator)")
    parser.add_argument("--sim-tls-engine", choices=["lean", "niossl"], default="lean",
                        help="the simulator's TLS engine (mp-sim --tls-engine; default lean)")
    parser.add_argument("--identities", help="pool directory (default ~/.cache/bgbfleet/scale-<key>)")
    parser.add_argument("--binary", default=".build/release/bgbfleet")
    parser.add_argument("--output", default="runs/scale")
    parser.add_argument("--tls-port", type=int, default=20123)
    parser.add_argument("--admin-port", type=int, default=20080)
    parser.add_argument("--source-address", default="127.0.0.1-127.0.0.4")
    parser.add_argument("--generator-arg", action="append", default=[],
                        help="one more argument for `bgbfleet run` (repeatable), e.g. --generator-arg=--max-handshakes=0")
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no executable at {binary}: run `swift build -c release --product bgbfleet` or give --binary")
    pool = args.identities or os.path.expanduser(f"~/.cache/bgbfleet/scale-{args.key}")
    ensure_pool(binary, pool, args.sessions, args.key)

    os.makedirs(args.output, exist_ok=True)
    admin = f"http://127.0.0.1:{args.admin_port}"
    sim = subprocess.Popen([binary, "mp-sim", "--tls-port", str(args.tls_port), "--http-port", "disabled",
                            "--admin-port", str(args.admin_port), "--identity-check", "lenient",
                            "--status-interval", "0", "--log-level", "warning", "--server-key", args.server_key,
                            "--tls-engine", args.sim_tls_engine],
                           stdout=open(os.path.join(args.output, "mp-sim.log"), "w"), stderr=subprocess.STDOUT)
    if not wait_for(lambda: _try(lambda: http_json(f"{admin}/Simulator/server")), 30):
        sim.kill()
        sys.exit("the simulator did not start; see mp-sim.log")
    sim_base = proc_sample(sim.pid)

    ramp = args.sessions / args.rate
    rate_phase = args.rate_seconds + 2 if args.push_rate else 0
    # Generous: the script stops the generator with SIGINT when it is done; a slow ramp or slow
    # bursts must not end the run under it.
    duration = ramp + args.hold + args.bursts * 6 + rate_phase + 300
    generator = subprocess.Popen(
        [binary, "run", "--mp", "127.0.0.1", "--port", str(args.tls_port), "--sessions", str(args.sessions),
         "--rate", str(args.rate), "--duration", f"{duration:.0f}s", "--keepalive", args.keepalive,
         "--identities", pool, "--output", os.path.join(args.output, "generator"), "--source-address",
         args.source_address, "--trigger-url", admin, "--quiet", "--prometheus", "127.0.0.1:20464",
         "--profile", _profile(args)] + args.generator_arg,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    started = threading.Event()

    def reader():
        for line in generator.stdout:
            lines.append(line)
            if "reports in" in line:
                started.set()
    threading.Thread(target=reader, daemon=True).start()
    sampler = Sampler({"generator": generator.pid, "simulator": sim.pid})
    sampler.start()
    if not started.wait(600):
        generator.kill(); sim.kill()
        sys.exit("the generator did not start:\n" + "".join(lines[-20:]))
    t_start = time.monotonic()
    baseline = proc_sample(generator.pid)

    def signed_in():
        try:
            text = urllib.request.urlopen("http://127.0.0.1:20464/metrics", timeout=5).read().decode()
            # The labels (state, mp, run_id, worker) come in any order.
            match = re.search(r'bgbfleet_sessions\{[^}]*state="signed_in"[^}]*\} ([0-9.e+]+)', text)
            return int(float(match.group(1))) if match else 0
        except OSError:
            return 0
    first_signed = wait_for(lambda: signed_in() > 0 and time.monotonic(), 120, 0.2)
    all_signed = wait_for(lambda: signed_in() >= args.sessions and time.monotonic(), ramp + 120, 0.2)
    held = signed_in()
    # The steady window (every session held) starts here and lasts until the generator stops.
    steady_from = time.time() + 2  # the ramp's backlog drains first
    time.sleep(min(args.hold, 5))
    idle = proc_sample(generator.pid)
    sim_idle = proc_sample(sim.pid)
    idle_t0, idle_cpu0 = time.monotonic(), thread_sample(generator.pid)[0]
    time.sleep(max(0, args.hold - 5))
    idle_rate = (thread_sample(generator.pid)[0] - idle_cpu0) / max(0.1, time.monotonic() - idle_t0)

    bursts = []
    pushes_from = time.time()
    for _ in range(args.bursts):
        before = proc_sample(generator.pid)
        (cpu0, switches0), t0 = thread_sample(generator.pid), time.monotonic()
        faults0 = minor_faults(generator.pid)
        op = http_json(f"{admin}/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation",
                       {"Type": 8, "TargetCollectionID": "SMS00001"})["OperationID"]

        def done():
            row = http_json(f"{admin}/AdminService/wmi/SMS_ClientOperationStatus({op})")["value"][0]
            answered = row["CompletedClients"] + row["FailedClients"]
            return row if answered >= row["TotalClients"] - row["OfflineClients"] else None
        row = wait_for(done, 60, 0.02)
        t1 = time.monotonic()
        time.sleep(0.3)
        sample = proc_sample(generator.pid)
        if sample[1] is None:
            sys.exit("the generator exited during the bursts:\n" + "".join(lines[-20:]))
        cpu1, switches1 = thread_sample(generator.pid)
        records = http_json(f"{admin}/Simulator/operations/{op}")["Clients"]
        rtts = sorted(r["RTTNanoseconds"] for r in records if r.get("RTTNanoseconds") is not None)
        window = time.monotonic() - t0
        bursts.append({"op": op, "total": row["TotalClients"] if row else None, "answered_s": (t1 - t0) if row else None,
                       "window": (time.time() - (time.monotonic() - t0), time.time() - (time.monotonic() - t1)),
                       "cpu_us_per_push": ((cpu1 - cpu0) - idle_rate * window) / max(1, len(rtts)) * 1e6,
                       "user_share": (sample[2] - before[2]) / max(1e-9, sample[1] - before[1]),
                       "switches": switches1 - switches0,
                       "faults": minor_faults(generator.pid) - faults0,
                       "rtt": rtts})
        time.sleep(3)

    rate_window = None
    if args.push_rate:
        clients = http_json(f"{admin}/AdminService/wmi/SMS_CN_ClientStatus")["value"]
        ids = [c["ResourceID"] for c in clients if c.get("OnlineStatus") == 1]
        batch = max(1, args.push_rate // 10)
        start = time.time()
        sent, index, next_at = 0, 0, time.monotonic()
        while time.monotonic() - (next_at - sent / args.push_rate) < args.rate_seconds and ids:
            targets = [ids[(index + k) % len(ids)] for k in range(batch)]
            index += batch
            http_json(f"{admin}/AdminService/wmi/SMS_ClientOperation.InitiateClientOperation",
                      {"Type": 8, "TargetCollectionID": "SMS00001", "TargetResourceIDs": targets})
            sent += batch
            next_at += 0.1
            time.sleep(max(0, next_at - time.monotonic()))
        rate_window = (start, time.time(), sent)

    steady_until = time.time()
    generator.send_signal(signal.SIGINT)
    generator.wait(timeout=120)
    sampler.stop.set()
    sim.send_signal(signal.SIGINT)
    try:
        sim.wait(timeout=30)
    except subprocess.TimeoutExpired:
        sim.kill()

    summary = json.load(open(os.path.join(args.output, "generator", "summary.json")))
    metrics = summary["metrics"]
    run_start = summary["start_time"]
    interval_rows = [l.split(",") for l in open(os.path.join(args.output, "generator", "intervals.csv")).read().splitlines()[1:]]

    def worst_interval(metric, column, start, end):
        """The worst per-interval value of `column` (6 = p99, 8 = max) for intervals inside [start, end] (epoch s)."""
        values = [float(r[column]) for r in interval_rows if r[1] == metric and int(r[2]) > 0
                  and start - run_start <= float(r[0]) and float(r[0]) + 1 <= end - run_start]
        return max(values) if values else None
    rate_p99 = worst_interval("response", 6, rate_window[0], rate_window[1]) if rate_window else None
    hold_late = worst_interval("keepalive_late", 6, steady_from, pushes_from)
    hold_lag = worst_interval("loop_lag", 6, steady_from, pushes_from)
    hold_lag_max = worst_interval("loop_lag", 8, steady_from, pushes_from)
    push_late = worst_interval("keepalive_late", 6, pushes_from, steady_until)

    def worst_overlapping(metric, column, windows):
        """The worst per-interval value of `column` over the 1-s intervals that overlap any window (epoch s)."""
        values = [float(r[column]) for r in interval_rows if r[1] == metric and int(r[2]) > 0
                  and any(float(r[0]) < end - run_start and float(r[0]) + 1 > start - run_start for start, end in windows)]
        return max(values) if values else None
    burst_windows = [b["window"] for b in bursts]
    burst_late = worst_overlapping("keepalive_late", 6, burst_windows)
    burst_lag = worst_overlapping("loop_lag", 6, burst_windows)
    late_starts = metrics.get("start_late")
    push_lag = worst_interval("loop_lag", 6, pushes_from, steady_until)
    push_lag_max = worst_interval("loop_lag", 8, pushes_from, steady_until)

    def pair(a, b):
        return f"{a:.3f} / {b:.3f}" if a is not None and b is not None else None

    signins = (args.sessions / (all_signed - first_signed)) if all_signed and first_signed and all_signed > first_signed else None
    rss_idle = (idle[0] - baseline[0]) / max(1, held)
    sim_rss = (sim_idle[0] - sim_base[0]) / max(1, held)
    all_rtts = sorted(x for b in bursts for x in b["rtt"])

    def pct(values, p):
        return values[min(len(values) - 1, int(len(values) * p / 100))] / 1e6 if values else None
    answered = [b["answered_s"] for b in bursts if b["answered_s"] is not None]
    cpu_each = [b["cpu_us_per_push"] for b in bursts]
    cpu = sorted(cpu_each)
    user_share = sorted(b["user_share"] for b in bursts)[len(bursts) // 2] if bursts else None
    rows = [
        ("sessions held (signed in, reached by every push)", held, f">= {TARGETS['sessions']}", held >= TARGETS["sessions"]),
        ("sign-ins per second (ramp)", signins, f">= {TARGETS['signins_per_s']}", signins is not None and signins >= TARGETS["signins_per_s"]),
        ("start_late p99 / max (ms: scheduled start -> connect started)",
         f"{late_starts['p99_ms']:.1f} / {late_starts['max_ms']:.1f}" if late_starts else None, "", None),
        ("generator RSS per idle TLS session (KiB)", rss_idle, f"<= {TARGETS['rss_per_session_kib']}", rss_idle <= TARGETS["rss_per_session_kib"]),
        ("generator RSS total at hold (MiB)", idle[0] / 1024, "", None),
        (f"simulator RSS per idle session (KiB, {args.sim_tls_engine} TLS)", sim_rss, f"<= {TARGETS['sim_rss_per_session_kib']}",
         sim_rss <= TARGETS["sim_rss_per_session_kib"] if args.sim_tls_engine == "lean" else None),
        ("push to all: every response back at the simulator (s, worst)", max(answered) if answered else None, f"<= {TARGETS['all_answered_s']}", bool(answered) and max(answered) <= TARGETS["all_answered_s"]),
        ("generator CPU per push (µs, median of bursts)", cpu[len(cpu) // 2] if cpu else None, f"<= {TARGETS['cpu_per_push_us']}", bool(cpu) and cpu[len(cpu) // 2] <= TARGETS["cpu_per_push_us"]),
        ("generator CPU per push, each burst (µs)", " ".join(f"{c:.1f}" for c in cpu_each) if cpu_each else None, "", None),
        ("generator context switches, each burst", " ".join(str(b["switches"]) for b in bursts) if bursts else None, "", None),
        ("generator minor page faults, each burst", " ".join(str(b["faults"]) for b in bursts) if bursts else None, "", None),
        ("generator CPU per push, worst burst (µs)", cpu[-1] if cpu else None, f"<= {TARGETS['cpu_per_push_us']}", bool(cpu) and cpu[-1] <= TARGETS["cpu_per_push_us"]),
        ("  of which user / kernel (µs; kernel: read, write and loopback delivery to the simulator)",
         f"{cpu[len(cpu) // 2] * user_share:.1f} / {cpu[len(cpu) // 2] * (1 - user_share):.1f}" if cpu and user_share is not None else None, "", None),
        ("response p50 / p99 / max, whole run (ms)", f"{metrics['response']['p50_ms']:.3f} / {metrics['response']['p99_ms']:.3f} / {metrics['response']['max_ms']:.3f}", "", None),
        (f"response p99 at {args.push_rate} pushes/s (ms, worst interval)", rate_p99, f"<= {TARGETS['response_p99_ms']}",
         None if not args.push_rate else (rate_p99 is not None and rate_p99 <= TARGETS["response_p99_ms"])),
        ("mp_rtt p50 / p99 / max, bursts (ms)", f"{pct(all_rtts, 50):.3f} / {pct(all_rtts, 99):.3f} / {all_rtts[-1] / 1e6:.3f}" if all_rtts else None, "", None),
        (f"keepalive_late p99, {held} held between pushes (ms, worst 1 s interval)", hold_late,
         f"<= {TARGETS['keepalive_late_p99_ms']}", hold_late is not None and hold_late <= TARGETS["keepalive_late_p99_ms"]),
        ("loop_lag p99 / max, held between pushes (ms, worst interval)", pair(hold_lag, hold_lag_max), "", None),
        ("keepalive_late p99 during the pushes to all (ms, worst interval)", burst_late,
         f"<= {TARGETS['keepalive_late_p99_ms']}", None if burst_late is None else burst_late <= TARGETS["keepalive_late_p99_ms"]),
        ("loop_lag p99 during the pushes to all (ms, worst interval)", burst_lag, "", None),
        ("keepalive_late p99 during push bursts and the rate phase (ms, worst interval)", push_late, "", None),
        ("loop_lag p99 / max during pushes (ms, worst interval)", pair(push_lag, push_lag_max), "", None),
        ("keepalive_late p99, whole run with the ramp (ms)", metrics["keepalive_late"]["p99_ms"], "", None),
        ("loop_lag p99 / max, whole run with the ramp (ms)", f"{metrics['loop_lag']['p99_ms']:.3f} / {metrics['loop_lag']['max_ms']:.3f}", "", None),
        ("errors", summary["counters"]["errors_total"], "0", summary["counters"]["errors_total"] == 0),
    ]
    print()
    print(f"scale run: {args.sessions} sessions ({args.key} clients, {args.server_key} simulator key), rate {args.rate}/s, keep-alive {args.keepalive}, {args.bursts} bursts, report {args.output}")
    width = max(len(r[0]) for r in rows)
    for name, value, target, met in rows:
        shown = f"{value:.2f}" if isinstance(value, float) else ("-" if value is None else str(value))
        mark = "" if met is None else ("met" if met else "MISSED")
        print(f"  {name:<{width}}  {shown:>24}  {target:>9}  {mark}")
    json.dump({"rows": [(r[0], r[1] if not isinstance(r[1], float) else round(r[1], 3), r[2], r[3]) for r in rows]},
              open(os.path.join(args.output, "scale.json"), "w"), indent=1)


def _try(call):
    try:
        return call()
    except Exception:
        return None


def _profile(args):
    path = os.path.join(args.output, "scale-profile.yaml")
    with open(path, "w") as f:
        f.write("# scale — written by scripts/scale.py: pushes come from the script, not from the profile.\n"
                "sessions: 1\nreconnect:\n  mode: backoff\n  first-delay-max: 5s\n")
    return path


if __name__ == "__main__":
    main()
