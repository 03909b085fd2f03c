#!/bin/sh
# Inside the nested test bed (tests/nested, once per kvm_amd npt mode): runs the benchmark
# guest on the real kvm_amd and prints its output and the VMM's --stats between
# `benchnested:` markers for bench/nested.py. Usage: bench-nested.sh [ITERS]
#   1. every row once with a fixed count: times (TCG-emulated) and per-row KVM counters
#      from the control-port marks;
#   2. the paging rows alone, and a run with no row: whole-VM counters (mmu_*), whose
#      difference per operation the marks cannot give (they snapshot vCPU counters only).
iters=${1:-500}
dir=/opt/minivmm
npt=$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo ?)
: >/tmp/empty.cpio

# run NAME CMDLINE [VMM OPTIONS]: one VMM run of the bench guest, output and stats.
run() {
    name=$1 cmdline=$2
    shift 2
    echo "benchnested: begin npt=$npt run=$name"
    "$dir/vmm" --kernel "$dir/bench-guest.elf" --initrd /tmp/empty.cpio --stats /tmp/s.json \
        --cmdline "$cmdline" "$@" || echo "benchnested: vmm exited $?"
    echo "benchnested: stats"
    cat /tmp/s.json
    echo "benchnested: end"
}

run all "iters=$iters" --cpus 2
run none "iters=$iters only=none"
for op in loop.empty exit.mov_cr3 exit.invlpg exc.page_fault exc.page_fault.user; do
    run "$op" "iters=$iters only=$op"
done

# The bundled kernel's OS benchmarks: `osbench NAME ns=N iters=N mark=ID` lines, whose
# marks (SYS_mark) give KVM's counters per operation, and the whole run's counters.
if cpio -t <"$dir/guest/initrd.cpio" 2>/dev/null | grep -qx 'bin/osbench'; then
    echo "benchnested: begin npt=$npt run=osbench"
    "$dir/vmm" --stats /tmp/s.json -- /bin/osbench || echo "benchnested: vmm exited $?"
    echo "benchnested: stats"
    cat /tmp/s.json
    echo "benchnested: end"
fi
