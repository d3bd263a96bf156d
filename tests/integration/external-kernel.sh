#!/bin/bash
# A multiboot kernel written outside the project, a few lines of C and
# assembly, must report the same isa-debug-exit status under braid
# (`make run GUEST=... ARGS=...`) as when QEMU boots it directly.
#   tests/integration/external-kernel.sh WORKDIR
set -u
dir=$1
rm -rf "$dir" && mkdir -p "$dir"
cat >"$dir/start.S" <<'ASM'
	.section .multiboot, "a"
	.align 4
	.long 0x1badb002, 0, -0x1badb002
	.text
	.globl _start
_start:
	mov $stack_top, %esp
	push %ebx
	push %eax
	call kmain
1:	cli
	hlt
	jmp 1b
	.bss
	.space 4096
stack_top:
ASM
cat >"$dir/kmain.c" <<'C'
static void outb(unsigned short p, unsigned char v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p));
}
static unsigned char inb(unsigned short p)
{
	unsigned char v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
	return v;
}
static void puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(0x3fd) & 0x20))
			;
		outb(0x3f8, *s);
	}
}
void kmain(unsigned magic, unsigned *mbi)
{
	puts(magic == 0x2badb002 ? "ext: booted by a multiboot loader\n" : "ext: bad magic\n");
	/* The answer depends on what the loader said: mem_upper must exist. */
	outb(0xf4, (mbi[0] & 1) && mbi[2] > 1024 ? 0x2a : 0x13);
}
C
cat >"$dir/link.ld" <<'LD'
ENTRY(_start)
SECTIONS {
	. = 0x100000;
	.text : { *(.multiboot) *(.text*) }
	.rodata : { *(.rodata*) }
	.data : { *(.data*) }
	.bss : { *(.bss*) *(COMMON) }
}
LD
gcc -m32 -ffreestanding -fno-pic -fno-stack-protector -O2 -c "$dir/kmain.c" -o "$dir/kmain.o" &&
	gcc -m32 -c "$dir/start.S" -o "$dir/start.o" &&
	ld -m elf_i386 -T "$dir/link.ld" -o "$dir/ext.elf" "$dir/start.o" "$dir/kmain.o" || exit 1

timeout 60 qemu-system-x86_64 -accel tcg -m 64M -display none -no-reboot \
	-serial "file:$dir/native.log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$dir/ext.elf" >/dev/null 2>&1
native=$?
# Exactly what a user types; make reports QEMU's status as "Error N".
make -s run GUEST="$dir/ext.elf" ARGS="name=ext mem=16M paging=nested" \
	QEMU_SERIAL="file:$dir/braid.log" >"$dir/make.out" 2>&1
under=$(sed -n 's/.*run\] Error \([0-9]*\).*/\1/p' "$dir/make.out")
echo "external kernel: status $native natively, ${under:-0} under braid"
grep -q "ext: booted by a multiboot loader" "$dir/native.log" &&
	grep -q "\[ext\] ext: booted by a multiboot loader" "$dir/braid.log" &&
	[ "$native" = 85 ] && [ "${under:-0}" = "$native" ]
