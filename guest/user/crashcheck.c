/* crashcheck ROOT [PATH=LEN...]: run at the boot after a power cut (so after the journal's
 * recovery at mount), it reports what survived under ROOT for tests/crash/campaign.py to
 * judge against crashload's journal of intent. One line per entry, depth first:
 *
 *   crashcheck: d PATH
 *   crashcheck: f PATH len=L crc=C [pre=P]     P: crc of the first LEN bytes, when PATH=LEN
 *                                               was given (pre=short if the file is shorter)
 *   crashcheck: o PATH                          anything else
 *   crashcheck: absent ROOT                     ROOT itself does not exist
 *
 * then it proves the recovered file system still takes changes (creates, fsyncs and
 * removes /crashcheck.probe) and prints `crashcheck: end` last; exit 0 only if all that
 * worked. The checksum is crashcrc.h's, as crashload's. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashcrc.h"

#define PROBE "/crashcheck.probe"

static char **wanted;            /* PATH=LEN arguments */
static int nwanted;
static uint8_t buf[32768];
static int errors;

/* LEN of a PATH=LEN argument for path, or -1. */
static long prefix_len(const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < nwanted; i++)
        if (strncmp(wanted[i], path, n) == 0 && wanted[i][n] == '=')
            return atol(wanted[i] + n + 1);
    return -1;
}

/* Reads the whole file: its length and crc, and the crc of its first pre bytes. */
static void report_file(const char *path)
{
    long pre = prefix_len(path), len = 0;
    uint32_t crc = 0, precrc = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        dprintf(1, "crashcheck: cannot open %s: errno %d\n", path, errno);
        errors++;
        return;
    }
    for (;;) {
        long n = read(fd, buf, sizeof buf);
        if (n < 0) {
            dprintf(1, "crashcheck: cannot read %s: errno %d\n", path, errno);
            errors++;
            break;
        }
        if (n == 0)
            break;
        if (pre > len)
            precrc = crash_crc(precrc, buf, pre - len < n ? pre - len : n);
        crc = crash_crc(crc, buf, n);
        len += n;
    }
    close(fd);
    char pretext[32] = "";
    if (pre >= 0 && len >= pre)
        snprintf(pretext, sizeof pretext, " pre=%08x", precrc);
    else if (pre >= 0)
        snprintf(pretext, sizeof pretext, " pre=short");
    dprintf(1, "crashcheck: f %s len=%ld crc=%08x%s\n", path, len, crc, pretext);
}

static void walk(const char *dir)
{
    dprintf(1, "crashcheck: d %s\n", dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        dprintf(1, "crashcheck: cannot open directory %s: errno %d\n", dir, errno);
        errors++;
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR)
            walk(path);
        else if (e->d_type == DT_REG)
            report_file(path);
        else
            dprintf(1, "crashcheck: o %s\n", path);
    }
    closedir(d);
}

/* The recovered file system takes a create, a write, an fsync and an unlink. */
static void probe(void)
{
    int fd = open(PROBE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "probe", 5) != 5 || fsync(fd) < 0 || close(fd) < 0 ||
        unlink(PROBE) < 0 || sync() < 0) {
        dprintf(1, "crashcheck: the file system refuses changes: errno %d\n", errno);
        errors++;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(2, "usage: crashcheck ROOT [PATH=LEN...]\n");
        return 2;
    }
    wanted = argv + 2;
    nwanted = argc - 2;
    struct stat st;
    if (stat(argv[1], &st) < 0)
        dprintf(1, "crashcheck: absent %s\n", argv[1]);
    else
        walk(argv[1]);
    probe();
    dprintf(1, "crashcheck: end errors=%d\n", errors);
    return errors ? 1 : 0;
}
