/* build/fsck: checks a file-system image (see docs/filesystem.md for every check).
 * Usage: fsck [-r] [-y] [-n] [-v] IMAGE. Exit: 0 clean, 1 errors fixed, 4 errors left,
 * 8 operational error (as e2fsck). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "guest/fs/tools/check.h"

static int usage(void)
{
    fprintf(stderr, "usage: fsck [-r] [-y] [-n] [-v] IMAGE\n"
            "  -r  replay a pending journal into the image\n"
            "  -y  repair what can be repaired (implies -r)\n"
            "  -n  write nothing (a pending journal is replayed in memory only)\n"
            "  -v  print the journal's transactions\n");
    return FSCK_OPERATIONAL;
}

int main(int argc, char **argv)
{
    struct fsck_opts o = { .out = stdout };
    struct image im;
    int opt;
    while ((opt = getopt(argc, argv, "rynvh")) != -1) {
        switch (opt) {
        case 'r': o.replay = true; break;
        case 'y': o.fix = o.replay = true; break;
        case 'n': o.readonly = true; break;
        case 'v': o.verbose = true; break;
        default: return usage();
        }
    }
    if (optind != argc - 1)
        return usage();
    if (o.readonly && o.replay) {
        fprintf(stderr, "fsck: -n cannot be combined with -r or -y\n");
        return FSCK_OPERATIONAL;
    }
    int err = image_open(&im, argv[optind], !o.readonly);
    if (err != 0) {
        fprintf(stderr, "fsck: %s: %s\n", argv[optind],
                err == -22 ? "size is not a whole number of 4 KiB blocks" : strerror(-err));
        return FSCK_OPERATIONAL;
    }
    int rc = fsck_check(&im, &o);
    image_close(&im);
    printf("%s: %s\n", argv[optind], rc == FSCK_OK ? "clean" : rc == FSCK_FIXED ? "errors fixed"
                                     : rc == FSCK_UNCORRECTED ? "ERRORS LEFT" : "NOT CHECKED");
    return rc;
}
