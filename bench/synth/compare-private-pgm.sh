#!/usr/bin/env bash
# Side by side on Adult (encoded), δ = 1e-9: tsdp's MST/AIM and Private-PGM's (commit 7bdf458) mechanism scripts,
# the same workload (all 91 2-way marginals) and error (mean ½‖p/|p| − q/|q|‖₁, Private-PGM's own formula on its side),
# CPU seconds (user + sys), wall seconds and peak RSS of each process (/usr/bin/time), one thread each.
# One JSON line per run on stdout (and appended to $LOG when set).
#
# Usage: bench/synth/compare-private-pgm.sh <mst|aim> "<epsilons>" <seeds> [both|tsdp|pgm]
#   e.g. bench/synth/compare-private-pgm.sh mst "0.1 1 10" 5 both
# Private-PGM lives OUTSIDE the project (never committed), PGM_DIR (default /tmp/synth-peers/pgm):
#   git -C <mirror of ryan112358/private-pgm> archive 7bdf458 | tar -x -C /tmp/synth-peers/pgm
#   sed -i 's/ds = DisjointSet()$/ds = DisjointSet(data.domain.attrs)/' /tmp/synth-peers/pgm/mechanisms/mst.py  # scipy ≥ 1.10
# plus stubs for `autodp` (imported, never called by mst.py/aim.py) and `hdmm.matrix.Identity` (= scipy.sparse.eye)
# in STUBS (default /tmp/synth-peers/stubs), and Debian's python3-numpy python3-scipy python3-pandas
# python3-networkx python3-matplotlib. Private-PGM draws from numpy's unseeded global generator: each run is a fresh seed.
set -euo pipefail
method=${1:?mst|aim}
epsilons=${2:-1}
seeds=${3:-1}
side=${4:-both}
data=${TSDP_ADULT_DIR:-/work/shared/data}
pgm=${PGM_DIR:-/tmp/synth-peers/pgm}
stubs=${STUBS:-/tmp/synth-peers/stubs}
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
tmp=$(mktemp -d)
emit() { echo "$1"; if [ -n "${LOG:-}" ]; then echo "$1" >>"$LOG"; fi; }
# The machine's 1-minute load average when the run ended (the figures are CPU seconds; the load says how shared it was).
load1() { cut -d' ' -f1 /proc/loadavg; }
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for eps in $epsilons; do
  for s in $(seq 1 "$seeds"); do
    if [ "$side" != pgm ]; then
      /usr/bin/time -o "$tmp/t" -f '%U %S %e %M' npx tsx bench/synth/adult.ts "$method" "$eps" 1 "$s" 2>"$tmp/err" >"$tmp/out"
      read -r u sy w m <"$tmp/t"
      tvd=$(grep -o '"tvd2":[0-9.e-]*' "$tmp/out" | cut -d: -f2)
      emit "{\"side\":\"tsdp\",\"method\":\"$method\",\"epsilon\":$eps,\"seed\":$s,\"tvd2\":$tvd,\"cpuSeconds\":$(echo "$u + $sy" | bc),\"wallSeconds\":$w,\"peakRssKiB\":$m,\"load1\":$(load1),\"commit\":\"$commit\"}"
    fi
    if [ "$side" != tsdp ]; then
      (cd "$pgm/mechanisms" && PYTHONPATH="$pgm/src:$pgm:$stubs" /usr/bin/time -o "$tmp/t" -f '%U %S %e %M' \
        /usr/bin/python3 "$method.py" --dataset "$data/adult-encoded.csv" --domain "$data/adult-encoded-domain.json" \
        --epsilon "$eps" --delta 1e-9 --degree 2 >"$tmp/out" 2>"$tmp/err") || { tail -5 "$tmp/err" >&2; continue; }
      read -r u sy w m <"$tmp/t"
      tvd=$(grep 'Average Error' "$tmp/out" | awk '{print $NF}')
      emit "{\"side\":\"private-pgm\",\"method\":\"$method\",\"epsilon\":$eps,\"run\":$s,\"tvd2\":$tvd,\"cpuSeconds\":$(echo "$u + $sy" | bc),\"wallSeconds\":$w,\"peakRssKiB\":$m,\"load1\":$(load1)}"
    fi
  done
done
rm -rf "$tmp"
