# A breakpoint on a kernel function set before paging is on (it is planted once the kernel
# has turned paging on), continue, hit, a kernel structure, and a backtrace that crosses
# from the handler through the entry code's trap frame (its CFI: gdb shows it as a signal
# frame) into the interrupted user program, down to its main.
# vmm-args: --gdb-wait -- /bin/echo gdb-was-here
# expect: Breakpoint 1 at 0xffffffff8[0-9a-f]+: file guest/kernel/syscall.c
# expect: Breakpoint 1, sys_write \(tf=0x[0-9a-f]+\) at guest/kernel/syscall.c
# expect: #0 +sys_write
# expect: #1 +0x[0-9a-f]+ in syscall_dispatch
# expect: #2 +<signal handler called>
# expect: #3 +0x[0-9a-f]+ in
# expect: in main \(argc=.*guest/user/echo.c
# expect: apic_id = 0
# expect: \[Inferior 1 \(Remote target\) exited normally\]
# vmm-status: 0
# vmm-stdout: gdb-was-here
add-symbol-file build/guest/user/echo
break sys_write
continue
bt
print cpus[0]
delete
continue
