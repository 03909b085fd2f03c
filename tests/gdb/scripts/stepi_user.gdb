# Single steps in user mode, where the host allows them (ordinary KVM: the trap flag works
# at CPL3; PVM hosts refuse, docs/debugging.md). Ctrl-C stops the guest while CPU-bound
# user processes spin (schedtest's lottery/stride jobs); stepping on reaches user mode if
# the stop was in the kernel; then every stepi runs exactly one instruction and stops again
# in user mode, in the program.
# hosts: vmx svm
# vmm-args: -- /bin/schedtest c
# interrupt-after: CONTINUING
# expect: ^CONTINUING$
# expect: (received signal SIGINT|Program stopped)
# expect: ^IN USER MODE$
# expect: ^STEP 1 CPL 3 USER 1 ONE 1$
# expect: ^STEP 2 CPL 3 USER 1 ONE 1$
# expect: ^STEP 3 CPL 3 USER 1 ONE 1$
# expect: ^STEP 4 CPL 3 USER 1 ONE 1$
# expect: \[Inferior 1 \(Remote target\) killed\]
# vmm-status: 137
echo CONTINUING\n
continue
set $n = 0
while ($cs & 3) != 3 && $n < 5000
  stepi
  set $n = $n + 1
end
if ($cs & 3) == 3
  echo IN USER MODE\n
end
python
# Each stepi must run exactly one instruction: the next pc is the following instruction,
# unless that instruction jumps, calls or returns (or repeats: rep, once per element).
arch = gdb.selected_frame().architecture()
for i in range(1, 5):
    pc = int(gdb.parse_and_eval("$pc"))
    insn = arch.disassemble(pc)[0]
    gdb.execute("stepi", to_string=True)
    now = int(gdb.parse_and_eval("$pc"))
    cpl = int(gdb.parse_and_eval("$cs")) & 3
    op = insn["asm"].split()[0]
    one = (now == pc + insn["length"] or op.startswith(("j", "call", "ret", "loop")) or
           (now == pc and op.startswith("rep")))
    print("STEP %d CPL %d USER %d ONE %d" % (i, cpl, now < 0x800000000000, one))
end
kill
