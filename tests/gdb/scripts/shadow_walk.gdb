# --mmu shadow: the guest runs on the VMM's shadow tables, not on its own. Stopped in the
# kernel, `monitor walk` shows the guest's walk and the shadow walk beside it (the shadow's
# tables sit above 4 GiB, its leaf maps the same frame, A and D preset). Then the guest's PDE for the
# first 2 MiB of the kernel image is changed behind the trap (`monitor phys on`: the stub
# writes guest RAM directly, not through the read-only memslot): the guest's walk now
# names a frame 2 MiB off, the shadow still maps the old one, and the guest, whose kernel
# text that PDE maps, goes on running and finishes normally.
# vmm-args: --mmu shadow --gdb-wait -- /bin/echo shadow-was-here
# expect: Breakpoint 1, sys_write
# expect: ^walk of 0xffffffff80100000 on vCPU 0, cr3 0x[0-9a-f]+
# expect: PDE +\[  0\] at 0x0*f[0-9a-f]+ = 0x0*183 P W PS G
# expect: -> physical 0x100000, 2 MiB page
# expect: ^shadow walk
# expect: PDE +\[  0\] at 0x1[0-9a-f]{8} = 0x0*1e3 P W A D PS G
# expect: -> physical 0x100000, 2 MiB page
# expect: ^walk of 0xffffffff80100000
# expect: PDE +\[  0\] at 0x0*f[0-9a-f]+ = 0x0*200183 P W PS G
# expect: -> physical 0x300000, 2 MiB page
# expect: ^shadow walk
# expect: -> physical 0x100000, 2 MiB page
# expect: \[Inferior 1 \(Remote target\) exited normally\]
# vmm-status: 0
# vmm-stdout: shadow-was-here
break sys_write
continue
delete
monitor walk 0xffffffff80100000
set $pde = (unsigned long)pd_image - 0xffff800000000000
monitor phys on
set *(unsigned long *)$pde = *(unsigned long *)$pde + 0x200000
monitor phys off
monitor walk 0xffffffff80100000
continue
