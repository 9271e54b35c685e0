#!/usr/bin/env python3
"""Overload: the sign-in rate reached when the generator is asked for more than the machine can do.

Runs `scripts/scale.py` twice with the same binary, pool and keys — at --rate R (what the machine
sustains) and at --factor × R — ramping only (no pushes), and prints the sign-in rate each reached
(first to last session signed in, from the generator's Prometheus gauge), the start lateness,
the errors, and the ratio. Issue 18's target: at 1.5 × R, ≥ 95 % of the rate reached at R.

    scripts/overload.py --sessions 19000 --rate 950 --key rsa2048 --identities POOL --output runs/overload
    scripts/overload.py ... --generator-arg=--max-handshakes=0     # the unbounded ramp, for an A/B
"""
import argparse, json, os, subprocess, sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=19000)
    parser.add_argument("--rate", type=float, required=True, help="the rate the machine sustains (1.0 x)")
    parser.add_argument("--factor", type=float, default=1.5, help="the overload (default 1.5)")
    parser.add_argument("--key", default="rsa2048", choices=["rsa2048", "p256"])
    parser.add_argument("--server-key", default="rsa2048", choices=["rsa2048", "p256"])
    parser.add_argument("--identities", required=True)
    parser.add_argument("--binary", default=".build/release/bgbfleet")
    parser.add_argument("--output", default="runs/overload")
    parser.add_argument("--generator-arg", action="append", default=[])
    args = parser.parse_args()

    scale = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scale.py")
    results = []
    for factor in (1.0, args.factor):
        rate = args.rate * factor
        output = os.path.join(args.output, f"x{factor:g}")
        command = [sys.executable, scale, "--sessions", str(args.sessions), "--rate", f"{rate:g}", "--key", args.key,
                   "--server-key", args.server_key, "--identities", args.identities, "--binary", args.binary,
                   "--output", output, "--bursts", "0", "--push-rate", "0", "--hold", "3"]
        command += [f"--generator-arg={a}" for a in args.generator_arg]
        print("$", " ".join(command), flush=True)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        rows = {r[0]: r[1] for r in json.load(open(os.path.join(output, "scale.json")))["rows"]}
        results.append((factor, rate, rows))

    def find(rows, prefix):
        return next((v for k, v in rows.items() if k.startswith(prefix)), None)
    print(f"\noverload: {args.sessions} sessions, {args.key} clients, {args.server_key} simulator key, {args.binary}")
    print(f"  {'requested':>10}  {'reached':>9}  {'start_late p99 / max (ms)':>26}  {'held':>6}  {'errors':>6}")
    for factor, rate, rows in results:
        reached = find(rows, "sign-ins per second")
        print(f"  {rate:>8.0f}/s  {reached or 0:>7.0f}/s  {find(rows, 'start_late') or '-':>26}  "
              f"{find(rows, 'sessions held') or 0:>6}  {find(rows, 'errors') or 0:>6}")
    base, over = find(results[0][2], "sign-ins per second"), find(results[1][2], "sign-ins per second")
    if base and over:
        ratio = over / base
        print(f"  at {args.factor:g} x the rate reached is {ratio * 100:.1f} % of the rate at 1.0 x "
              f"(target >= 95 %): {'met' if ratio >= 0.95 else 'MISSED'}")


if __name__ == "__main__":
    main()
