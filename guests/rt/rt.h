/* SPDX-License-Identifier: MIT */
/*
 * Everything a guest needs. A guest is one C file that defines
 * guest_main(); the runtime calls it once the CPU is in long mode with
 * the IDT, TSS, serial port, multiboot info and page allocator ready.
 * Returning from guest_main() is the same as calling report_summary().
 */
#ifndef GUEST_RT_H
#define GUEST_RT_H

#include "braid.h"
#include "cpu.h"
#include "mb.h"
#include "mem.h"
#include "printf.h"
#include "report.h"
#include "segments.h"
#include "serial.h"
#include "trap.h"
#include "types.h"
#include "vm.h"
#include "x86.h"

void guest_main(void);

#endif
