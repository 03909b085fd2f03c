# A hardware breakpoint on a kernel function (a debug register, no int3 anywhere): it hits,
# gdb steps off it and it hits again at the next system call, the backtrace names the
# frames; once deleted the guest runs to its end.
# vmm-args: --gdb-wait -- /bin/echo hw-break
# expect: Hardware assisted breakpoint 1 at 0xffffffff8[0-9a-f]+: file (./)?guest/kernel/[a-z_]+\.[ch]
# expect: Breakpoint 1, syscall_dispatch \(tf=0x[0-9a-f]+\) at (./)?guest/kernel/[a-z_]+\.[ch]
# expect: #0 +syscall_dispatch
# expect: ^AGAIN$
# expect: Breakpoint 1, syscall_dispatch \(tf=0x[0-9a-f]+\) at (./)?guest/kernel/[a-z_]+\.[ch]
# expect: breakpoint already hit 2 times
# expect: \[Inferior 1 \(Remote target\) exited normally\]
# vmm-status: 0
# vmm-stdout: hw-break
hbreak syscall_dispatch
continue
bt 2
echo AGAIN\n
continue
info breakpoints
delete
continue
