#!/bin/bash
# `make test`: build everything, run the host unit tests, then the
# integration suite on both vendors. Ends with one line:
#   N passed, N failed[, N skipped]
set -u
cd "$(dirname "$0")/.."
mkdir -p build
passed=0 failed=0 skipped=0

if ! make -s all >build/make.log 2>&1; then
	cat build/make.log
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..."
make -s unit 2>&1 | tee build/unit.log
p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' build/unit.log | awk '{s += $1} END {print s + 0}')
f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' build/unit.log | awk '{s += $1} END {print s + 0}')
s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' build/unit.log | awk '{s += $1} END {print s + 0}')
passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
if [ "${p:-0}" = 0 ]; then
	echo "unit tests did not run"
	failed=$((failed + 1))
fi

tests/tools/run.sh 2>&1 | tee build/tools.log
p=$(grep -c '^PASS: ' build/tools.log)
f=$(grep -c '^FAIL: ' build/tools.log)
passed=$((passed + p)) failed=$((failed + f))
[ "$p" = 0 ] && failed=$((failed + 1)) && echo "tool tests did not run"

tests/integration/run.sh 2>&1 | tee build/integration.log
p=$(grep -c '^PASS: ' build/integration.log)
f=$(grep -c '^FAIL: ' build/integration.log)
s=$(grep -c '^SKIP: ' build/integration.log)
passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))

echo
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
