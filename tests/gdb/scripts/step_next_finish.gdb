# Source-level stepping in the kernel: step, next over lines, finish a function (which
# returns to a named caller with the value it returned).
# vmm-args: --gdb-wait -- /bin/echo step
# expect: Breakpoint 1, sys_write
# expect: ^STEP$
# expect: ^[0-9]+\s
# expect: ^NEXT$
# expect: ^[0-9]+\s
# expect: ^FINISH$
# expect: ^(0x[0-9a-f]+ in )?[a-z_]+ \(.*\) at guest/kernel/[a-z_]+\.c:[0-9]+$
# expect: Value returned is \$1 = 
# expect: ^DONE$
break sys_write
continue
delete
echo STEP\n
step
echo NEXT\n
next
echo FINISH\n
finish
echo DONE\n
detach
