# On PVM hosts guest user mode never exits on the trap flag, so stepi in user mode is
# refused with the reason, and the vCPU stays where it was (docs/debugging.md). Ctrl-C stops
# the guest while CPU-bound user processes spin (schedtest's lottery/stride jobs). On this
# host a vCPU stops in user mode only when it is interrupted there (single steps do not
# leave the kernel), so a stop in the kernel (the boot on a slow host, a tick) continues
# and is interrupted again (each CONTINUING line is a Ctrl-C), up to 30 times.
# hosts: pvm
# vmm-args: -- /bin/schedtest c
# interrupt-after: CONTINUING
# expect: ^CONTINUING$
# expect: (received signal SIGINT|Program stopped)
# expect: ^IN USER MODE$
# expect: is in user mode, which cannot be single-stepped on this host \(PVM\)
# expect: Remote failure reply: E01
# expect: ^STAYED 1 CPL 3$
# expect: \[Inferior 1 \(Remote target\) killed\]
# vmm-stderr: refusing|cannot be single-stepped
# vmm-status: 137
echo CONTINUING\n
continue
set $n = 0
while ($cs & 3) != 3 && $n < 30
  echo CONTINUING\n
  continue
  set $n = $n + 1
end
if ($cs & 3) == 3
  echo IN USER MODE\n
end
set $before = $pc
stepi
printf "STAYED %d CPL %d\n", $pc == $before, $cs & 3
kill
