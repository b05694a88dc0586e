#!/usr/bin/env bash
# Side by side on Adult (encoded), δ = 1e-9: tsdp's MST/AIM and Private-PGM's (commit 7bdf458) mechanism scripts,
# the same workload (all 2-way marginals) and error (mean ½‖p − q‖₁), wall time and peak memory of each.
# Usage: bench/synth/compare-private-pgm.sh [mst|aim] [epsilon] [seeds]
# Needs Private-PGM unpacked OUTSIDE the project (never committed): PGM_DIR (default /tmp/pgm-synth), e.g.
#   git -C <mirror of ryan112358/private-pgm> archive 7bdf458 | tar -x -C /tmp/pgm-synth
# and Debian's python3 with python3-numpy python3-scipy python3-pandas python3-networkx.
set -euo pipefail
method=${1:-mst}
epsilon=${2:-1}
seeds=${3:-1}
data=${TSDP_ADULT_DIR:-/work/shared/data}
pgm=${PGM_DIR:-/tmp/pgm-synth}
cd "$(dirname "$0")/../.."
# scipy ≥ 1.10: DisjointSet needs its elements at construction (a fix to the unpacked copy only).
sed -i 's/ds = DisjointSet()$/ds = DisjointSet(data.domain.attrs)/' "$pgm/mechanisms/mst.py"
for s in $(seq 1 "$seeds"); do
  /usr/bin/time -f 'tsdp peak RSS %M KiB, wall %e s' npx tsx bench/synth/adult.ts "$method" "$epsilon" 1 2>&1 | grep -v '^[0-9.]*s '
  (cd "$pgm/mechanisms" && PYTHONPATH="$pgm/src:$pgm" /usr/bin/time -f 'private-pgm peak RSS %M KiB, wall %e s' \
    /usr/bin/python3 "$method.py" --dataset "$data/adult-encoded.csv" --domain "$data/adult-encoded-domain.json" \
    --epsilon "$epsilon" --delta 1e-9 --degree 2 2>&1 | grep -E 'Average Error|peak RSS')
done
