#!/usr/bin/env bash
# Sets `session bench` beside ../shared/refbench (the same operations in C on libsodium 1.0.18 and
# OpenSSL 3): runs the two alternately RUNS times (default 5), then prints a Markdown table of the
# per-operation medians, their ratio and the issue's target for it. The machine is shared and
# noisy, so only ratios of medians over several alternated runs mean anything.
#
# Usage: [ONLY=SUBSTRING] benches/compare-with-c.sh [RUNS]
#   ONLY: only the operations whose names contain SUBSTRING (both programs' filter);
#   REFBENCH=path/to/run.sh: another refbench (it needs libsodium-dev libssl-dev pkg-config).
set -euo pipefail
runs="${1:-5}"
cd "$(dirname "$0")/.."
refbench="${REFBENCH:-../shared/refbench/run.sh}"
cargo build --release -q -p session-cli
out="$(mktemp -d)"
for i in $(seq 1 "$runs"); do
  REFBENCH_ONLY="${ONLY:-}" "$refbench" >"$out/c$i.txt" 2>/dev/null
  target/release/session bench ${ONLY:+--only "$ONLY"} >"$out/r$i.txt" 2>/dev/null
  echo "run $i/$runs done" >&2
done
python3 - "$out" "$runs" <<'PY'
import statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def load(prefix):
    table = {}
    for i in range(1, runs + 1):
        for line in open(f"{out}/{prefix}{i}.txt"):
            name, ns = line.split()
            table.setdefault(name, []).append(float(ns))
    return {k: statistics.median(v) for k, v in table.items()}
c, r = load("c"), load("r")
targets = {"account_derive": 0.35, "swarm_lookup_2000": 0.25}
main = ["account_derive", "encrypt_for_recipient_100B", "encrypt_for_recipient_10KiB",
        "decrypt_incoming_100B", "decrypt_incoming_10KiB", "hop_encrypt_aesgcm_1KiB",
        "hop_encrypt_xchacha_1KiB", "hop_decrypt_aesgcm_1KiB", "hop_decrypt_xchacha_1KiB",
        "onion_build_3hop_aesgcm_1KiB", "onion_build_3hop_xchacha_1KiB",
        "onion_peel_aesgcm_hop1", "onion_peel_xchacha_hop1", "swarm_lookup_2000",
        "swarm_lookup_2000_from_hex"]
fmt = lambda ns: f"{ns:,.0f}" if ns >= 1000 else f"{ns:.1f}"
print(f"medians of {runs} alternated runs\n")
print("| operation | C (ns) | ours (ns) | ours / C | target |")
print("| --- | ---: | ---: | ---: | ---: |")
for name in main:
    t = targets.get(name, 0.8)
    if name in c and name in r:
        ratio = r[name] / c[name]
        mark = "" if ratio <= t else " (over)"
        print(f"| `{name}` | {fmt(c[name])} | {fmt(r[name])} | **{ratio:.2f}**{mark} | ≤ {t} |")
    elif name in c or name in r:
        print(f"| `{name}` | {fmt(c[name]) if name in c else '—'} | {fmt(r[name]) if name in r else '—'} | — | ≤ {t} |")
extras = [name for name in r if name not in main]
if extras:
    print("\n| extra operation | C (ns) | ours (ns) | ours / C |")
    print("| --- | ---: | ---: | ---: |")
for name in extras:
    ratio = f"{r[name] / c[name]:.2f}" if name in c else "—"
    print(f"| `{name}` | {fmt(c[name]) if name in c else '—'} | {fmt(r[name])} | {ratio} |")
PY
rm -rf "$out"
