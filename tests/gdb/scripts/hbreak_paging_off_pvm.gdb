# docs/debugging.md walkthrough 3 typed on a PVM host: `hbreak main` right after `target
# remote`, while paging is still off. The address cannot be told to be a user one yet, so
# the stub takes it, and at the next continue says on gdb's console (and on stderr) that on
# this host such a breakpoint fires only in the kernel; the program then runs to its end.
# hosts: pvm
# vmm-args: --gdb-wait -- /bin/echo user
# expect: Hardware assisted breakpoint 1 at 0x4[0-9a-f]+: file guest/user/echo.c
# expect: vmm: hardware breakpoint at 0x4[0-9a-f]+ set while paging is off: on this host \(PVM\) it fires only in the guest kernel
# expect: \[Inferior 1 \(Remote target\) exited normally\]
# vmm-stderr: hardware breakpoint at 0x4[0-9a-f]+ set while paging is off
# vmm-stdout: user
# vmm-status: 0
add-symbol-file build/guest/user/echo
hbreak main
continue
