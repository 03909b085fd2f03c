/* init, the first process: runs the command the VMM passed (its own arguments), or the
 * shell /bin/sh without one, and powers off with that program's exit status. Meanwhile it
 * reaps the orphans the kernel hands to it. Before an interactive shell it says whether
 * what the person writes is kept (the root disk is writable) or not. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs argv[0] with argv in a child of its own process group, which owns the console's
 * Ctrl-C while it runs; returns its wait status: 127 if there is no such program, 126 if
 * it cannot be executed (as a shell would say). */
static int run(char **argv)
{
    int pid = fork();
    if (pid < 0) {
        dprintf(2, "init: fork: %s\n", strerror(errno));
        return 126;
    }
    if (pid == 0) {
        setpgid(0, 0);
        setfg(getpid());        /* here, not in init: the program may change it at once */
        exec(argv[0], argv);
        if (errno == ENOENT) {
            dprintf(2, "init: %s: not found\n", argv[0]);
            _exit(127);
        }
        dprintf(2, "init: %s: %s\n", argv[0], strerror(errno));
        _exit(126);
    }
    int status, w;
    while ((w = wait(&status)) != pid)      /* orphans come to init too: reap them */
        if (w < 0) return 126;
    return status;
}

/* One line on what happens to the files the person is about to write. */
static void disk_notice(void)
{
    struct statfs s;
    if (statfs(&s) < 0)
        printf("no disk: files cannot be written (programs come from the initrd)\n");
    else if (s.f_flags & ST_RDONLY)
        printf("the disk is read-only: files cannot be written\n");
    else
        printf("files you write persist on the disk (make run: build/guest/disk.img);"
               " `make pristine-disk` restores it as built\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    char *shell[] = { "/bin/sh", NULL };
    if (argc == 1) disk_notice();
    poweroff(run(argc > 1 ? argv + 1 : shell));
    return 0;
}
