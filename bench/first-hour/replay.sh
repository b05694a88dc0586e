#!/usr/bin/env bash
# The first hour replayed (issue 11: "The closing note shows the first hour replayed: each friction above, before and
# after"). For each friction the issue lists, runs the same command in two builds of tsdp — BEFORE (main just before
# issue 11's work began) and AFTER — and prints a markdown table: friction | command | before | after. Outputs are cut
# to their first lines; a command that does not exist before is itself the before result.
#
#   bash bench/first-hour/replay.sh [BEFORE] [AFTER] > bench/first-hour/README.md
#
# BEFORE defaults to 330f5e1 (the last main commit before the stop that started issue 11: the next main commits, on
# 5 Dec 2026 from 18:18 UTC, are that stop's), AFTER to HEAD. Each is exported with `git archive` into
# $FH_DIR/<side> (default /tmp/fh), installed (`npm install --ignore-scripts`, unless node_modules is already there:
# copying a checkout's node_modules in first saves the download) and built (`npm run build`, or tsc where the build
# script fails). Optional: TSDP_TEST_POSTGRES_URL (a database-missing row on PostgreSQL); FH_BIG_CSV (a large bench CSV
# with columns uid,grp,val for the progress row, default /tmp/tsdp-bench-files/events-10000000.csv when present).
# Needs bash, git, node, npm, /usr/bin/time and `script` (util-linux, for a terminal). Never asserts anything.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BEFORE=${1:-330f5e1}
AFTER=${2:-HEAD}
FH_DIR=${FH_DIR:-/tmp/fh}
LINES=${FH_LINES:-4}
mkdir -p "$FH_DIR"

prepare() { # side commit
  local side=$1 commit=$2 dir="$FH_DIR/$1"
  if [ ! -f "$dir/.ready" ]; then
    mkdir -p "$dir"
    git -C "$REPO" archive "$commit" | tar -x -C "$dir"
    [ -d "$dir/node_modules" ] || (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund >/dev/null 2>&1)
    (cd "$dir" && { npm run build >/dev/null 2>&1 || npx tsc -p tsconfig.build.json >/dev/null 2>&1; })
    git -C "$REPO" rev-parse --short "$commit" >"$dir/.ready"
  fi
  # The side's working data: schemas and files every row uses (same bytes for both sides).
  local w="$FH_DIR/work-$side"
  rm -rf "$w" && mkdir -p "$w/home" "$w/state" "$w/elsewhere"
  # The Adult file without its `education` column: a column the schema declares that the file lacks.
  cut -d, -f1-3,5- "$dir/examples/adult.csv" >"$w/adult-no-education.csv"
  # A small unit-level table (20 people, 1–6 rows each in up to 3 groups) with a date and a boolean column.
  {
    echo "uid,grp,d,flag,val"
    for u in $(seq 1 20); do for r in $(seq 1 $((u % 6 + 1))); do
      echo "$u,$(((u + r) % 3)),202$((u % 4))-0$((r % 9 + 1))-1$((u % 9)),$([ $((u % 2)) = 0 ] && echo true || echo false),$((u * r % 50))"
    done; done
  } >"$w/events.csv"
  # The same table declared twice: without and with a public date range (a range gives date keys without δ).
  printf '%s' '{"dataset":"events","budget":{"epsilon":10,"delta":0.001},"tables":{"events":{"privacyUnit":"uid","maxPartitions":2,"maxContributionsPerPartition":2,"columns":{"uid":{"type":"integer"},"grp":{"type":"integer","categories":[0,1,2]},"d":{"type":"date"},"flag":{"type":"boolean"},"val":{"type":"integer","lower":0,"upper":50}}}}}' >"$w/events.schema.json"
  sed 's/"d":{"type":"date"}/"d":{"type":"date","lower":"2020-01-01","upper":"2023-12-31"}/; s/"dataset":"events"/"dataset":"events_dated"/' "$w/events.schema.json" >"$w/events-dated.schema.json"
  echo "$dir"
}

B=$(prepare before "$BEFORE")
A=$(prepare after "$AFTER")

# Markdown-safe cell: the first $LINES non-empty lines, each cut at 200 characters, joined with <br>.
cell() {
  grep -v '^\s*$' | head -n "$LINES" | cut -c1-200 | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/|/\\|/g' |
    awk 'BEGIN{ORS=""} NR>1{print "<br>"} {print}'
}

# Runs one command in a side: cwd its tree, `tsdp` = its built CLI, TSDP_HOME and XDG_STATE_HOME its own, W its data.
in_side() { # side command
  local side=$1 cmd=$2 dir="$FH_DIR/$1" w="$FH_DIR/work-$1"
  (cd "$dir" && env -u TSDP_HOME XDG_STATE_HOME="$w/state" HOME="$w" W="$w" R="$dir" FH="$HERE" PATH="$dir/node_modules/.bin:$PATH" \
    TSDP_FH_HOME="$w/home" timeout 300 bash -c "tsdp() { node \"$dir/dist/cli/main.js\" \"\$@\"; }; export -f tsdp 2>/dev/null; $cmd" 2>&1
    echo "(exit $?)")
}

row() { # friction command [shown command]
  local b a shown
  b=$(in_side before "$2" | cell)
  a=$(in_side after "$2" | cell)
  shown=$(printf '%s' "${3:-$2}" | sed -e 's/|/\\|/g' -e 's/`/'"'"'/g')
  printf '| %s | `%s` | %s | %s |\n' "$1" "$shown" "$b" "$a"
}

# Median CPU seconds (user + system) and wall seconds of 5 runs of a command (after one warm-up), and the load average:
# CPU time is what another job on a shared machine disturbs least.
timed() {
  echo "for i in 0 1 2 3 4 5; do /usr/bin/time -f '%U %S %e' -o \$W/t bash -c '$1' >/dev/null 2>&1; [ \$i -gt 0 ] && cat \$W/t; done | awk '{print \$1+\$2, \$3}' | sort -n > \$W/ts; echo \"median of 5: \$(sed -n 3p \$W/ts | cut -d' ' -f1) s CPU; wall \$(cut -d' ' -f2 \$W/ts | sort -n | sed -n 3p) s (load \$(cut -d' ' -f1 /proc/loadavg))\""
}

ADULT='--data examples/adult.csv --schema examples/adult.schema.json'
SQL="tsdp sql $ADULT"
echo "# The first hour, replayed: each friction of issue 11, before and after"
echo
echo "Generated by \`bash bench/first-hour/replay.sh $BEFORE $AFTER\` on $(date -u +'%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start."
echo "Before: \`$(cat "$B/.ready")\` (main just before issue 11's work). After: \`$(cat "$A/.ready")\`. Node $(node --version)."
echo "Each cell: the first $LINES lines of stdout and stderr together, then the exit code. \`tsdp\` is the side's built \`dist/cli/main.js\`;"
echo "\$W is the side's scratch folder (its own \`XDG_STATE_HOME\` and \`HOME\`, no \`TSDP_HOME\`); timings are on a shared machine, so indicative."
echo
echo "| friction | command | before | after |"
echo "|---|---|---|---|"

# Schemas without guesswork
row "schema init drafts a schema" "tsdp schema init examples/adult.csv | head -12"
row "JSON Schema published with the package" "ls schema/ 2>&1; grep -m1 '\"\$schema\"' examples/adult.schema.json"
row "misspelt column: did-you-mean, at its position, called unknown" "$SQL --epsilon 1 'SELECT educaton, COUNT(*) AS n FROM adult GROUP BY educaton'"
row "load error: file not found" "tsdp sql --data adult=missing.csv --schema examples/adult.schema.json --epsilon 1 'SELECT COUNT(*) AS n FROM adult'"
row "load error: no such column in the file" "tsdp sql --data adult=\$W/adult-no-education.csv --schema examples/adult.schema.json --epsilon 1 'SELECT COUNT(*) AS n FROM adult'"
row "connection error: connection refused" "tsdp sql --schema examples/adult.schema.json --db postgres://postgres@127.0.0.1:1/tsdp --epsilon 1 'SELECT COUNT(*) AS n FROM adult'"
if [ -n "${TSDP_TEST_POSTGRES_URL:-}" ]; then
  NODB=$(printf '%s' "$TSDP_TEST_POSTGRES_URL" | sed -E 's#/[^/?]*(\?|$)#/tsdp_no_such_db\1#')
  row "connection error: database missing (PostgreSQL)" "tsdp sql --schema examples/adult.schema.json --db $NODB --epsilon 1 'SELECT COUNT(*) AS n FROM adult'"
  row "connection error: table missing (PostgreSQL)" "tsdp sql --schema examples/adult.schema.json --db $TSDP_TEST_POSTGRES_URL --epsilon 1 'SELECT COUNT(*) AS n FROM adult'"
fi

# A visible budget
row "tsdp budget: spent, left, history" "$SQL --epsilon 1 'SELECT COUNT(*) AS n FROM adult' >/dev/null 2>&1; tsdp budget --schema examples/adult.schema.json"
row "file ledger independent of the working directory" "$SQL --epsilon 1 'SELECT COUNT(*) AS n FROM adult' 2>&1 | grep -iE 'ledger|remaining|left' | head -1; cd \$W/elsewhere && tsdp sql --data \$R/examples/adult.csv --schema \$R/examples/adult.schema.json --epsilon 1 'SELECT COUNT(*) AS n FROM adult' 2>&1 | grep -iE 'ledger|remaining|left' | head -1"
row "--explain says whether and why it would be refused" "tsdp sql $ADULT --epsilon 50 --explain 'SELECT COUNT(*) AS n FROM adult' 2>&1 | grep -iE 'budget|refus|exhaust'"
row "a refusal names ε or δ, code once" "$SQL --epsilon 50 'SELECT COUNT(*) AS n FROM adult'"
row "--json errors are JSON, exit code kept" "$SQL --epsilon 1 --json 'SELECT age FROM adult'"

# Honest, readable output
row "--format csv\|markdown\|json" "$SQL --epsilon 1 --format markdown 'SELECT sex, COUNT(*) AS n FROM adult GROUP BY sex'"
row "query from stdin (-)" "echo 'SELECT COUNT(*) AS n FROM adult' | $SQL --epsilon 1 -"
row "query from a file (-f)" "echo 'SELECT COUNT(*) AS n FROM adult' > \$W/q.sql; $SQL --epsilon 1 -f \$W/q.sql"
row "intervals cover the noise only (footer)" "$SQL --epsilon 1 'SELECT COUNT(*) AS n FROM adult' 2>&1 | grep -iE 'interval|noise'"
row "--report-bounding" "tsdp sql --data events=\$W/events.csv --schema \$W/events.schema.json --epsilon 1 --report-bounding 'SELECT grp, COUNT(*) AS n FROM events GROUP BY grp' 2>&1 | grep -iE 'bounding|error'"
row "integer quantiles, useful intervals (median age, n = 30,162)" "$SQL --epsilon 1 'SELECT MEDIAN(age) AS m FROM adult'"
row "one number format" "$SQL --epsilon 1 'SELECT income, SUM(fnlwgt) AS s, AVG(age) AS a FROM adult GROUP BY income'"
BIG=${FH_BIG_CSV:-/tmp/tsdp-bench-files/events-10000000.csv}
if [ -f "$BIG" ] && command -v script >/dev/null; then
  printf '%s' '{"dataset":"big","budget":{"epsilon":100},"tables":{"events":{"columns":{"grp":{"type":"integer","lower":0,"upper":99},"val":{"type":"integer","lower":0,"upper":100}}}}}' >"$FH_DIR/big.schema.json"
  row "progress on a terminal for long queries (10⁷-row CSV, under script(1))" "script -qec \"node \$R/dist/cli/main.js sql --data events=$BIG --schema $FH_DIR/big.schema.json --epsilon 1 'SELECT SUM(val) AS s, AVG(val) AS a FROM events WHERE grp < 50'\" /dev/null | tr '\\r' '\\n' | sed 's/\\x1b\\[K//g' | grep -E 'running|elapsed' | head -2"
fi
EV='tsdp sql --data events=$W/events.csv --schema $W/events.schema.json --epsilon 1 --delta 1e-5'
row "EXTRACT on a date column" "$EV 'SELECT EXTRACT(YEAR FROM d) AS y, COUNT(*) AS n FROM events GROUP BY EXTRACT(YEAR FROM d)'"
row "date_trunc on a date column" "$EV \"SELECT date_trunc('year', d) AS y, COUNT(*) AS n FROM events GROUP BY date_trunc('year', d)\""
row "year() on a date column" "$EV 'SELECT year(d) AS y, COUNT(*) AS n FROM events GROUP BY year(d)'"
row "year() with a declared date range: keys without δ" "tsdp sql --data events=\$W/events.csv --schema \$W/events-dated.schema.json --epsilon 1 'SELECT year(d) AS y, COUNT(*) AS n FROM events GROUP BY year(d)'"
row "GROUP BY a boolean without declared values" "$EV 'SELECT flag, COUNT(*) AS n FROM events GROUP BY flag'"

# Fast at every size (start-up and the ledger; the file-size table is bench/sql/README.md)
row "tsdp --version start-up" "$(timed 'node $R/dist/cli/main.js --version')" "tsdp --version (median of 5)"
row "tsdp accountant start-up" "$(timed 'node $R/dist/cli/main.js accountant --mechanism gaussian --noise-multiplier 1 --delta 1e-5')" "tsdp accountant --mechanism gaussian --noise-multiplier 1 --delta 1e-5 (median of 5)"
row "bare node, for reference" "$(timed 'node -e 0')" "node -e 0 (median of 5)"
row "FileLedger.charge at 100 and 4,000 entries" "node \$FH/ledger-charge.mjs \$R"
# The quick start's first command runs the CLI through whatever runner the side's README gives (before: npx tsdp;
# after: npm run -s tsdp --). With an empty npm cache, npx installs the checkout into its cache and runs prepare.
row "the README quick start's CLI runner in the checkout, first run (empty npm cache)" "r=\$(sed -n '/^## Quick start/,/^npm test/p' README.md | grep -m1 '&&' | sed -E 's/.*&& *(.+) sql .*/\\1/'); echo \"runner: \$r\"; rm -rf \$W/npm-cache; npm_config_cache=\$W/npm-cache npm_config_update_notifier=false /usr/bin/time -f '%e s wall, %U s user CPU' timeout 240 \$r --version 2>&1 | tail -2"

# A package that works everywhere it claims to
row "require('tsdp')" "mkdir -p \$W/req/node_modules && ln -sfn \$R \$W/req/node_modules/tsdp && cd \$W/req && node -e \"console.log(typeof require('tsdp').makeLaplace)\""
row "browser bundle of the root entry" "mkdir -p \$W/web/node_modules && ln -sfn \$R \$W/web/node_modules/tsdp && cd \$W/web && echo \"import { makeLaplace } from 'tsdp'; console.log(makeLaplace)\" > e.js && $A/node_modules/.bin/esbuild e.js --bundle --platform=browser --format=esm --outfile=o.js --log-level=error 2>&1 | grep -E 'ERROR|Could not' | head -3; ls -l o.js 2>/dev/null | awk '{print \"bundle \" \$5 \" bytes\"}'"
row "package.json: exports default, sideEffects, LICENSE" "node -e \"const p=require('./package.json'); console.log(JSON.stringify({dot: p.exports['.'], sideEffects: p.sideEffects, repository: !!p.repository}))\"; ls LICENSE 2>&1"
row "npm pack size" "npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e \"let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const p=JSON.parse(s)[0];console.log(p.size+' bytes packed, '+p.unpackedSize+' unpacked, '+p.entryCount+' files, '+p.files.filter(f=>f.path.endsWith('.map')).length+' source maps')})\""
row "npm test's own PostgreSQL: started and stopped? (configuration read, suite not run)" "grep -n 'globalSetup' vitest.config.ts || echo 'no globalSetup'; grep -rln 'postgres.sh' test/*.ts test/*/*.ts 2>/dev/null | head -3"
row "LDP aggregator: serialise, merge, Norm-Sub" "node \$FH/ldp.mjs \$R"

# Docs that are true
row "SECURITY.md exists where modules link it" "ls SECURITY.md 2>&1; echo \"modules linking it: \$(grep -rl 'SECURITY.md' src | wc -l)\""
row "README's ZcdpFilter example" "node \$FH/zcdp-example.mjs \$R"
echo
echo "Finished $(date -u +'%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)."
