# Source-level stepping in the kernel: step into a call, next over lines, finish a function.
# vmm-args: --gdb-wait -- /bin/echo step
# expect: Breakpoint 1, sys_write
# expect: ^STEP$
# expect: ^NEXT$
# expect: ^FINISH$
# expect: in syscall_dispatch \(tf=
# expect: Value returned is
# expect: ^DONE$
break sys_write
continue
delete
echo STEP\n
step
echo NEXT\n
next
next
echo FINISH\n
finish
echo DONE\n
detach
