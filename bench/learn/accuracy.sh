#!/usr/bin/env bash
# bench/learn/accuracy.sh — the accuracy benchmarks of issue 12, tsdp and Opacus 1.4 side by side on the
# same rows (long runs: minutes to hours on a shared 2-core machine; run with nice, in the background).
#   bash bench/learn/accuracy.sh mnist 3 30          # MNIST-10k CNN at ε = 3, 30 epochs
#   bash bench/learn/accuracy.sh mnist 8 30
#   bash bench/learn/accuracy.sh fashion-mnist 3 15 10000   # Fashion-MNIST, first 10 000 training rows
# Both sides run tsdp train's CNN defaults: tanh, lr 0.05, batch 256, C 1, momentum 0.9 (LR=… ACT=… override).
# Writes $TSDP_BENCH_OUT (default /tmp/learn-acc)/<data>-eps<ε>-<epochs>ep[-<limit>].{tsdp,opacus}.{json,log}.
set -euo pipefail
data=$1; eps=$2; epochs=$3; limit=${4:-}
out=${TSDP_BENCH_OUT:-/tmp/learn-acc}; mkdir -p "$out"
tag="$data-eps$eps-${epochs}ep${limit:+-$limit}"
peers=${TSDP_OPACUS_PATH:-/tmp/learn-peers/opacus-1.4.0:/tmp/learn-peers/opt_einsum-3.3.0}
lr=${LR:-0.05}; act=${ACT:-tanh}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
npx tsx src/cli/main.ts train --data "$data" --model cnn --epsilon "$eps" --delta 1e-5 --epochs "$epochs" ${limit:+--limit "$limit"} --lr "$lr" --activation "$act" \
  --out "$out/$tag.tsdp" >"$out/$tag.tsdp.json" 2>"$out/$tag.tsdp.log"
if [ "${SKIP_OPACUS:-}" = "" ]; then
  npx tsx bench/learn/export-data.ts "$data" "$out/data" ${limit:+"$limit"} >/dev/null
  OMP_NUM_THREADS=1 PYTHONPATH="$peers" /usr/bin/python3 bench/learn/opacus_accuracy.py "$out/data" "$data" "$eps" "$epochs" "$lr" 256 1 prv "$act" \
    >"$out/$tag.opacus.log" 2>"$out/$tag.opacus.err"
fi
echo "tsdp:   $(tail -1 "$out/$tag.tsdp.json")"
[ "${SKIP_OPACUS:-}" = "" ] && echo "opacus: $(tail -1 "$out/$tag.opacus.log")"
