#!/bin/sh
# Writes its arguments and working directory into the file named first.
out=$1; shift
printf 'args:' > "$out"
for a in "$@"; do printf ' [%s]' "$a" >> "$out"; done
printf '\npwd: %s\n' "$(pwd)" >> "$out"
