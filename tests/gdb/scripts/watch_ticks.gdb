# A hardware watchpoint on a kernel variable: the timer interrupt's ticks counter changes.
# (On PVM hosts the stub emulates it by single-stepping the kernel: docs/debugging.md.)
# vmm-args: --gdb-wait
# stdin: keep-open
# expect: Temporary breakpoint 1, scheduler
# expect: Hardware watchpoint 2: ticks
# expect: Old value = [0-9]+
# expect: New value = [0-9]+
# expect: tick_intr
# expect: Old value = [0-9]+
tbreak scheduler
continue
watch ticks
continue
continue
delete
detach
