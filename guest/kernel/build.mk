# guest/kernel: see guest/build.mk
