#!/bin/sh
# Turns schema/bundle.sql into a C string constant plus its version number, so
# both binaries embed the one canonical schema. Usage: embed.sh FILE SYMBOL [VERSION_SYMBOL]
set -eu
file=$1; sym=$2; vsym=${3:-${2}_version}
version=$(sed -n 's/^PRAGMA user_version *= *\([0-9][0-9]*\);.*/\1/p' "$file")
# Only the schema carries a version; other embedded files (rule packs) need none.
case $file in *.sql) [ -n "$version" ] || { echo "embed.sh: no 'PRAGMA user_version = N;' in $file" >&2; exit 1; } ;; esac
echo "/* generated from $file by schema/embed.sh; do not edit */"
[ -z "$version" ] || echo "const int ${vsym} = $version;"
echo "const char ${sym}[] ="
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$file"
echo ";"
