# Ctrl-C: the runner sends SIGINT to gdb once it prints CONTINUING; every vCPU stops,
# registers and memory can be read, and the guest goes on after detach.
# vmm-args: --cpus 2
# stdin: keep-open
# interrupt-after: CONTINUING
# expect: ^CONTINUING$
# expect: (received signal SIGINT|Program stopped)
# expect: ^STOPPED$
# expect: \* 1 +Thread 1 "vCPU 0"
# expect: ^ +2 +Thread 2 "vCPU 1"
# expect: ^REGS 0x[0-9a-f]+
echo CONTINUING\n
continue
echo STOPPED\n
info threads
printf "REGS %#lx\n", $rsp
detach
