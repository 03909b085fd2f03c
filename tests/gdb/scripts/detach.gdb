# Detach leaves the guest running to the end: the command's output and exit status arrive.
# vmm-args: --gdb-wait -- /bin/false
# expect: Breakpoint 1, sys_exit
# expect: \[Inferior 1 \(Remote target\) detached\]
# vmm-status: 1
break sys_exit
continue
detach
