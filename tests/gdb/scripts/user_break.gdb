# A breakpoint in a user program, with its symbols: a hardware breakpoint on main (a
# linear address, so it needs no page table yet) hits when the program runs.
# hosts: vmx svm
# vmm-args: --gdb-wait -- /bin/echo user
# expect: Hardware assisted breakpoint 1 at 0x4[0-9a-f]+: file guest/user/echo.c
# expect: Breakpoint 1, main \(argc=2
# expect: #0 +main
# vmm-status: 0
add-symbol-file build/guest/user/echo
hbreak main
continue
bt 1
delete
detach
