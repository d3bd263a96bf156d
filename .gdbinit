# `make debug` starts QEMU paused with its gdbstub on :1234; then `gdb -x .gdbinit`.
set architecture i386:x86-64
file build/braid.elf
target remote :1234
break kmain
break panic
continue
