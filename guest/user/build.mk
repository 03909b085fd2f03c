# guest/user: see guest/build.mk
