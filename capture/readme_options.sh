#!/bin/sh
# Rewrites README.md's list of casefile-capture's options (the block between
# the capture-options markers) from `casefile-capture --help`: the options
# part, "Target:" to the last option. tests/capture/test_options.c fails when
# the two differ. Usage: sh capture/readme_options.sh BIN/casefile-capture README.md
set -eu
bin=$1 readme=$2
tmp=$(mktemp "$readme.XXXXXX")
trap 'rm -f "$tmp" "$tmp.opts"' EXIT
"$bin" --help | awk '/^Target:/ { p = 1 } /^Privileges:/ { p = 0 } p' | sed '${/^$/d;}' > "$tmp.opts"
grep -q '^<!-- capture-options: begin' "$readme" || { echo "$readme: no capture-options markers" >&2; exit 1; }
awk -v f="$tmp.opts" '
/^<!-- capture-options: begin/ { print; print "```"; while ((getline l < f) > 0) print l; print "```"; skip = 1; next }
/^<!-- capture-options: end/ { skip = 0 }
!skip' "$readme" > "$tmp"
if cmp -s "$tmp" "$readme"; then
	echo "$readme: capture options already up to date"
else
	diff -u "$readme" "$tmp" || true
	chmod --reference="$readme" "$tmp"
	mv "$tmp" "$readme"
fi
