# GDB that stays attached learns the guest's exit status when the machine powers off.
# vmm-args: --gdb-wait -- /bin/false
# expect: \[Inferior 1 \(Remote target\) exited with code 01\]
# vmm-status: 1
continue
