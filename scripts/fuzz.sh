#!/usr/bin/env bash
# Runs every fuzz target of the module, one after the other, for $FUZZTIME
# each (default 30s; any -fuzztime value, e.g. 2m or 10000x), and prints
# per target the number of inputs executed. Fails when a target crashes
# (go writes the failing input to that package's testdata/fuzz/) or when a
# package cannot be built to list its targets.
#
#   scripts/fuzz.sh                 # 30 s per target
#   FUZZTIME=60s scripts/fuzz.sh    # longer
#   scripts/fuzz.sh ./internal/...  # only some packages
set -u -o pipefail

cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/nmfbench-fuzz.XXXXXX")
trap 'rm -rf "$logdir"' EXIT

# go test -list prints the matching names of a package, then its "ok" line.
list_status=0
go test -vet=off -list '^Fuzz' "${pkgs[@]}" >"$logdir/list" 2>&1 || list_status=$?
targets=()
pending=()
while IFS= read -r line; do
	case $line in
	Fuzz*) pending+=("$line") ;;
	ok*)
		pkg=$(awk '{print $2}' <<<"$line")
		for name in ${pending[@]+"${pending[@]}"}; do targets+=("$pkg $name"); done
		pending=()
		;;
	*) pending=() ;;
	esac
done <"$logdir/list"
if [ "$list_status" -ne 0 ]; then
	echo "fuzz.sh: listing the fuzz targets failed for some packages:" >&2
	grep -v '^ok\|^?\|^Fuzz' "$logdir/list" >&2
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz.sh: no fuzz targets found in ${pkgs[*]}" >&2
	exit 1
fi

echo "fuzz.sh: ${#targets[@]} targets, $fuzztime each"
failed=()
for t in "${targets[@]}"; do
	read -r pkg name <<<"$t"
	log="$logdir/$name.$(tr / _ <<<"$pkg").log"
	start=$(date +%s)
	status=0
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg" >"$log" 2>&1 || status=$?
	secs=$(($(date +%s) - start))
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
	if [ "$status" -eq 0 ]; then
		printf '%-20s %-32s %12s execs  %4ds  ok\n' "$name" "$pkg" "${execs:-?}" "$secs"
	else
		printf '%-20s %-32s %12s execs  %4ds  FAIL\n' "$name" "$pkg" "${execs:-?}" "$secs"
		grep -v '^fuzz: elapsed' "$log" | tail -n 40 | sed 's/^/    /'
		failed+=("$pkg.$name")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
	exit 1
fi
if [ "$list_status" -ne 0 ]; then
	exit 1
fi
echo "fuzz.sh: all ${#targets[@]} targets passed"
