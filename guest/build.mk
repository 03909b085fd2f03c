# guest/: the kernel and its userland, built freestanding for x86-64 with the host gcc.
include guest/kernel/build.mk
include guest/lib/build.mk
include guest/user/build.mk
-include guest/fs/build.mk
include guest/disk.mk
