# On PVM hosts guest user mode never exits on int3 or on debug registers, so breakpoints
# in user programs are refused, with the reason on the VMM's stderr (docs/debugging.md).
# gdb counts a symbol file from add-symbol-file as a shared library, so it keeps a refused
# software breakpoint pending rather than stopping; a hardware one is an error.
# hosts: pvm
# vmm-args: --gdb-wait -- /bin/echo user
# expect: Temporary breakpoint 1, scheduler
# expect: Breakpoint 2 at 0x4[0-9a-f]+: file guest/user/echo.c
# expect: Breakpoint 3, sys_exit
# expect: ^2 +breakpoint +keep y +<PENDING> +main|^2 +breakpoint +keep y.*0x0*4[0-9a-f]+ in main
# expect: ^HW$
# expect: Could not insert hardware breakpoint|Cannot insert hardware breakpoint
# vmm-stderr: refusing a breakpoint at 0x4[0-9a-f]+: on this host \(PVM\) guest user mode
# vmm-stderr: refusing a hardware breakpoint at 0x4[0-9a-f]+
# vmm-stdout: user
# vmm-status: 0
tbreak scheduler
continue
add-symbol-file build/guest/user/echo
break main
break sys_exit
continue
info breakpoints
delete
echo HW\n
hbreak main
continue
delete
detach
