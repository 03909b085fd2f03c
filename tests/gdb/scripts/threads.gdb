# Two vCPUs are two threads, named, each with its own registers and stack.
# vmm-args: --cpus 2
# stdin: keep-open
# expect: \* 1 +Thread 1 "vCPU 0"
# expect: ^ +2 +Thread 2 "vCPU 1"
# expect: Switching to thread 2
# expect: ^CPU1 [0-9]+$
# expect: ^#0 +
info threads
thread 2
printf "CPU1 %d\n", $_thread
bt 1
thread 1
detach
