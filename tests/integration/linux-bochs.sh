#!/bin/bash
# `make test-bochs-linux`: the Linux guest on Intel VMX + EPT (Bochs),
# under nested and compound paging, to the end of its workloads. Bochs
# runs Linux about 20x slower than QEMU, so this is not in `make test`.
# Ends with "integration: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/linux.sh
mkdir -p "$OUT"

export BOOT_TIMEOUT=${BOOT_TIMEOUT:-3600} BOCHS_MEGS=${BOCHS_MEGS:-512}
LINUX_MEM=${LINUX_MEM:-160M}
for p in nested compound; do
	linux_boot "vmx-linux-$p" bochs corei7_haswell_4770 "$p"
	check_linux "vmx-linux-$p" "linux-$p"
done

echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
