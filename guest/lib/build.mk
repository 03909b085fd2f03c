# guest/lib: see guest/build.mk
