#!/usr/bin/env bash
# Run pytest with the given interpreter; "no tests collected" (exit 5) is reported, not fatal.
python=$1; shift
"$python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest: no tests collected in $*"
  exit 0
fi
exit "$rc"
