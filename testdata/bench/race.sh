#!/usr/bin/env bash
# Times `airshift check` against `ast-grep scan` with the equivalent rule
# (kpo-call.yml) on a generated corpus, alternating the tools in one
# session so that all see the same machine load. airshift runs twice per
# round: cold, with --no-cache, so that it parses every file, and warm,
# from the results cache that its previous run wrote. Prints each run, the
# median wall time of each, the ratios and the number of
# KubernetesPodOperator calls each found, next to the counts in the
# corpus's EXPECTED.json.
#
# Usage: race.sh AIRSHIFT AST_GREP CORPUS [ROUNDS]
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "usage: race.sh AIRSHIFT AST_GREP CORPUS [ROUNDS]" >&2
	exit 2
fi
airshift=$1
sg=$2
corpus=$3
rounds=${4:-5}
rule="$(cd "$(dirname "$0")" && pwd)/kpo-call.yml"

for tool in "$airshift" "$sg"; do
	if [ ! -x "$tool" ]; then
		echo "race.sh: $tool is missing or not executable; run make bench, which builds and installs both" >&2
		exit 2
	fi
done
if [ ! -f "$corpus/EXPECTED.json" ]; then
	echo "race.sh: $corpus/EXPECTED.json is missing; generate the corpus with go run ./testdata/bench/gencorpus" >&2
	exit 2
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# now_ms prints the wall clock in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The results cache goes to the temporary folder, not the repository.
export AIRSHIFT_CACHE_DIR="$out/cache"

# run_airshift (cold or warm) and run_sg time one scan each and append
# the time to a file.
run_airshift() {
	local mode=$1 start status flags=()
	if [ "$mode" = cold ]; then
		flags=(--no-cache)
	fi
	start=$(now_ms)
	status=0
	"$airshift" check "${flags[@]}" "$corpus" >"$out/airshift-$mode.txt" 2>"$out/airshift.err" || status=$?
	# airshift check exits 1 when it finds calls to migrate.
	if [ "$status" -gt 1 ]; then
		echo "race.sh: airshift check failed with exit status $status:" >&2
		cat "$out/airshift.err" >&2
		exit 1
	fi
	echo $(($(now_ms) - start)) >>"$out/airshift-$mode.times"
}
run_sg() {
	local start
	start=$(now_ms)
	"$sg" scan -r "$rule" --json=stream "$corpus" >"$out/sg.json"
	echo $(($(now_ms) - start)) >>"$out/sg.times"
}

# One untimed run of each fills the page cache, and the warm run fills
# airshift's results cache.
run_airshift cold
run_airshift warm
run_sg
: >"$out/airshift-cold.times"
: >"$out/airshift-warm.times"
: >"$out/sg.times"
for ((round = 1; round <= rounds; round++)); do
	# Alternate which tool goes first, so neither always runs second.
	if ((round % 2)); then
		run_airshift cold
		run_airshift warm
		run_sg
	else
		run_sg
		run_airshift warm
		run_airshift cold
	fi
	echo "round $round: airshift check cold $(tail -1 "$out/airshift-cold.times") ms, warm $(tail -1 "$out/airshift-warm.times") ms, ast-grep scan $(tail -1 "$out/sg.times") ms"
done
if ! cmp -s "$out/airshift-cold.txt" "$out/airshift-warm.txt"; then
	echo "race.sh: the warm airshift check printed other findings than the cold one" >&2
	exit 1
fi

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
cold_ms=$(median "$out/airshift-cold.times")
warm_ms=$(median "$out/airshift-warm.times")
sg_ms=$(median "$out/sg.times")
cold_ratio=$(awk -v a="$cold_ms" -v s="$sg_ms" 'BEGIN {printf "%.2f", a / s}')
warm_ratio=$(awk -v a="$warm_ms" -v s="$sg_ms" 'BEGIN {printf "%.2f", a / s}')

airshift_calls=$(grep -c ': AS101 ' "$out/airshift-cold.txt" || true)
sg_calls=$(grep -c . "$out/sg.json" || true)
read -r files expected syntactic < <(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["files"], e["calls"], e["syntactic_calls"])' "$corpus/EXPECTED.json")

echo "corpus: $files files, $expected KubernetesPodOperator calls, $syntactic of them by class name (the rest aliased)"
echo "airshift check, cold (--no-cache): median $cold_ms ms over $rounds runs, $airshift_calls calls found (AS101)"
echo "airshift check, warm (results cache): median $warm_ms ms over $rounds runs, the same findings"
echo "ast-grep scan: median $sg_ms ms over $rounds runs, $sg_calls calls found"
echo "ratio airshift/ast-grep: cold $cold_ratio, warm $warm_ratio (at most 1.0 means airshift is no slower)"
echo "calls airshift found that ast-grep missed: $((airshift_calls - sg_calls))"
