#!/bin/sh
# Golden outputs: runs every case of tests/golden/TESTLIST through
# casefile-analyze and compares what it prints with tests/golden/expected/.
# A difference fails the case and prints a unified diff (a binary file, such as
# an exported pcap: the first differing byte). Prints "golden: N passed, N failed".
#
#   sh tests/golden/run.sh              (make golden)
#   GOLDEN=pool sh tests/golden/run.sh  only the cases whose name contains "pool"
#   GOLDEN_UPDATE=1 sh tests/golden/run.sh   (make golden-update) rewrites the
#       expected files from this casefile-analyze; review with git diff
#
# Run from the top of the tree: bundles are named by relative paths, which the
# reports print as given. Environment: BIN (bin) holds casefile-analyze.
#
# Normalized before comparing (legitimately volatile, nothing else is):
#   - the analyzer's own version, as the reports print it ("casefile-analyze
#     0.1.0" in HTML, "casefile 0.1.0." in Markdown's header), becomes VERSION,
#     so a release does not rewrite every expected file. The version recorded
#     in a bundle's manifest (tool_version) is data and stays.
# Everything else must come out byte for byte the same on every run: the
# analyzer takes "now" from the bundle, and TZ and the locale are pinned here.
BIN=${BIN:-bin}
ANA="$BIN/casefile-analyze"
case "$ANA" in /*) ;; *) ANA="$(pwd)/$ANA" ;; esac
list=tests/golden/TESTLIST
exp=tests/golden/expected
[ -f "$list" ] || { echo "$0: run from the top of the tree (no $list)" >&2; exit 2; }
[ -x "$ANA" ] || { echo "$0: $ANA not built (run make)" >&2; exit 2; }
export TZ=UTC LC_ALL=C
version=$("$ANA" --version 2>/dev/null | awk '{ print $2; exit }')
[ -n "$version" ] || version=$(cat VERSION)
# The version as a sed pattern (its dots literal).
vre=$(printf '%s' "$version" | sed 's/[.]/\\./g')

tmp=$(mktemp -d /tmp/casefile-golden.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# bundle NAME: the path of bundle @NAME.
bundle() {
	if [ -f "tests/golden/bundles/$1.bundle" ]; then echo "tests/golden/bundles/$1.bundle"
	else echo "tests/bundles/$1.bundle"; fi
}

pass=0; fail=0; updated=0; failed=""
seen=" "
while read -r name expected cmd; do
	case "$name" in ''|'#'*) continue ;; esac
	[ -n "${GOLDEN:-}" ] && case "$name" in *"$GOLDEN"*) ;; *) continue ;; esac
	case "$seen" in *" $name "*) echo "$list: case '$name' listed twice" >&2; exit 2 ;; esac
	seen="$seen$name "
	# Arguments: split on blanks, @NAME replaced by the bundle's path.
	set --
	for a in $cmd; do
		case "$a" in @*) set -- "$@" "$(bundle "${a#@}")" ;; *) set -- "$@" "$a" ;; esac
	done
	"$ANA" "$@" > "$tmp/out" 2> "$tmp/err" < /dev/null
	rc=$?
	case "$expected" in
	*.pcap) cp "$tmp/out" "$tmp/actual" ;;
	*) sed -e "s/casefile-analyze $vre\\b/casefile-analyze VERSION/g" \
	       -e "s/casefile $vre\\./casefile VERSION./g" "$tmp/out" > "$tmp/actual" ;;
	esac
	if [ -s "$tmp/err" ]; then
		{ echo "--- stderr"; cat "$tmp/err"; } >> "$tmp/actual"
	fi
	[ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] || echo "--- exit $rc" >> "$tmp/actual"
	if [ -n "${GOLDEN_UPDATE:-}" ]; then
		mkdir -p "$exp"
		if ! cmp -s "$tmp/actual" "$exp/$expected"; then
			cp "$tmp/actual" "$exp/$expected"
			echo "UPDATED  $name -> $exp/$expected"
			updated=$((updated + 1))
		fi
		pass=$((pass + 1))
		continue
	fi
	if cmp -s "$exp/$expected" "$tmp/actual"; then
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1)); failed="$failed $name"
	echo "FAIL  golden $name: casefile-analyze $cmd (expected $exp/$expected)"
	if [ ! -f "$exp/$expected" ]; then
		echo "    no expected file: run make golden-update and review it"
	else
		case "$expected" in
		*.pcap)
			echo "    $(cmp "$exp/$expected" "$tmp/actual" 2>&1 | sed "s|$tmp/||")"
			# what differs, packet by packet, when tcpdump is there to say
			if command -v tcpdump >/dev/null 2>&1; then
				tcpdump -n -tt -r "$exp/$expected" > "$tmp/exp.txt" 2>&1
				tcpdump -n -tt -r "$tmp/actual" > "$tmp/act.txt" 2>&1
				diff -u --label "expected/$expected (tcpdump -r)" --label "actual (tcpdump -r)" \
					"$tmp/exp.txt" "$tmp/act.txt" | head -n 60
			fi ;;
		*) diff -u --label "expected/$expected" --label "actual" "$exp/$expected" "$tmp/actual" | head -n 200 ;;
		esac
	fi
done < "$list"

if [ -n "${GOLDEN_UPDATE:-}" ]; then
	# Expected files no case names any more.
	for f in "$exp"/*; do
		[ -f "$f" ] || continue
		awk -v f="$(basename "$f")" '$2 == f { n++ } END { exit !n }' "$list" || echo "STALE    $f (no case in $list names it; git rm it)"
	done
	echo "golden: $updated of $pass expected files rewritten"
	exit 0
fi
[ -z "$failed" ] || echo "failed golden cases:$failed (refresh with make golden-update when the change is intended)"
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
