#!/usr/bin/env python3
"""The simulator's memory per idle TLS session, for each of its TLS engines.

For each engine: starts `bgbfleet mp-sim --tls-engine ENGINE` (TLS on loopback, HTTP disabled),
reads its VmRSS from /proc, starts `bgbfleet run` with N mutual-TLS sessions against it, waits
until the simulator counts N sessions online and for the ramp's work to settle, reads VmRSS again
and stops both. Prints one row per engine: RSS before and after, (after − before) / N (the
figure for the simulator's TCP 10123 side) and after / N (scale.py's "simulator RSS per session",
which also spreads the process's base over the sessions).

    scripts/sim-rss.py --sessions 3000                       # lean and niossl, RSA-2048 clients
    scripts/sim-rss.py --sessions 1000 --engines lean --key p256

RSS is meaningful on a loaded machine. The simulator's CPU time per sign-in (handshake, SignIn,
the ramp's keep-alives; from /proc) is printed as advisory: compare engines only from the same
run on a quiet machine, as the cores' load and caches move it. Uses
--binary (a release build: `swift build -c release --product bgbfleet`; a debug build works and
gives close RSS figures). Identities are generated into --identities once and reused.
"""
import argparse, os, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scale import ensure_pool, http_json, proc_sample  # noqa: E402


def rss_kib(pid):
    return proc_sample(pid)[0]


def wait_for(predicate, timeout, step=0.2):
    """Polls `predicate` until it gives a true value (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(step)
    return None


def stop(process, timeout=30):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure(args, binary, pool, engine, work):
    admin = f"http://127.0.0.1:{args.admin_port}"
    log = open(os.path.join(work, f"mp-sim-{engine}.log"), "w")
    sim = subprocess.Popen([binary, "mp-sim", "--tls-engine", engine, "--tls-port", str(args.tls_port),
                            "--http-port", "disabled", "--admin-port", str(args.admin_port),
                            "--identity-check", "lenient", "--server-key", args.server_key,
                            "--status-interval", "0", "--log-level", "warning"],
                           stdout=log, stderr=subprocess.STDOUT)
    generator = None
    try:
        if not wait_for(lambda: http_json(f"{admin}/Simulator/server"), 60):
            sys.exit(f"the simulator ({engine}) did not start; see {log.name}")
        time.sleep(1)
        before = rss_kib(sim.pid)
        cpu_before = proc_sample(sim.pid)[1]
        generator = subprocess.Popen(
            [binary, "run", "--mp", "127.0.0.1", "--port", str(args.tls_port), "--sessions", str(args.sessions),
             "--rate", str(args.rate), "--duration", "3600s", "--keepalive", "15m", "--identities", pool,
             "--output", os.path.join(work, f"run-{engine}"), "--trigger-url", admin, "--quiet"],
            stdout=open(os.path.join(work, f"run-{engine}.log"), "w"), stderr=subprocess.STDOUT)
        online = lambda: http_json(f"{admin}/AdminService/wmi/SMS_CN_ClientStatus.GetOnlineCount",
                                   {"TargetCollectionID": "SMS00001"})["ReturnValue"]
        ramp = args.sessions / args.rate
        reached = wait_for(lambda: generator.poll() is None and online() >= args.sessions and True, ramp + 300, 0.5)
        count = online()
        if not reached:
            print(f"  {engine}: only {count} of {args.sessions} sessions online; see {work}", file=sys.stderr)
        time.sleep(args.settle)
        after = rss_kib(sim.pid)
        cpu_after = proc_sample(sim.pid)[1]
        count = online()
        return {"engine": engine, "sessions": count, "before": before, "after": after,
                "cpu": None if cpu_before is None or cpu_after is None else cpu_after - cpu_before}
    finally:
        if generator is not None:
            stop(generator, 120)
        stop(sim)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300, help="sign-ins per second requested (default 300)")
    parser.add_argument("--engines", default="lean,niossl", help="comma-separated: lean, niossl (default both)")
    parser.add_argument("--key", default="rsa2048", choices=["rsa2048", "p256"], help="the clients' identity keys")
    parser.add_argument("--server-key", default="rsa2048", choices=["rsa2048", "p256"], help="the simulator's TLS key")
    parser.add_argument("--identities", help="pool directory (default ~/.cache/bgbfleet/sim-rss-<key>)")
    parser.add_argument("--settle", type=float, default=10, help="seconds held after the last sign-in before reading RSS")
    parser.add_argument("--binary", default=".build/release/bgbfleet")
    parser.add_argument("--tls-port", type=int, default=21123)
    parser.add_argument("--admin-port", type=int, default=21080)
    args = parser.parse_args()

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no executable at {binary}: run `swift build -c release --product bgbfleet` or give --binary")
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not engines or any(e not in ("lean", "niossl", "nio-ssl") for e in engines):
        sys.exit("--engines: a comma-separated list of lean and niossl")
    if args.sessions < 1 or args.rate <= 0:
        sys.exit("--sessions and --rate must be positive")
    pool = args.identities or os.path.expanduser(f"~/.cache/bgbfleet/sim-rss-{args.key}")
    ensure_pool(binary, pool, args.sessions, args.key)

    work = tempfile.mkdtemp(prefix="sim-rss-")
    rows = [measure(args, binary, pool, engine, work) for engine in engines]
    print(f"\nsimulator RSS per idle TLS session: {args.sessions} sessions requested at {args.rate:g}/s, "
          f"{args.key} clients, {args.server_key} server key, read {args.settle:g} s after the last sign-in")
    print("| engine | sessions online | RSS before | RSS after | (after − before) / sessions | after / sessions "
          "| simulator CPU per sign-in (advisory) |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        n = max(1, row["sessions"])
        if row["before"] is None or row["after"] is None:
            print(f"| {row['engine']} | {row['sessions']} | process gone | | | | |")
            continue
        cpu = f"{row['cpu'] / n * 1e3:.2f} ms" if row["cpu"] is not None else ""
        print(f"| {row['engine']} | {row['sessions']:,} | {row['before'] / 1024:.1f} MiB | {row['after'] / 1024:.1f} MiB "
              f"| {(row['after'] - row['before']) / n:.1f} KiB | {row['after'] / n:.1f} KiB | {cpu} |")
    print(f"(logs and run outputs in {work})")


if __name__ == "__main__":
    main()
