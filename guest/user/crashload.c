/* crashload SEED OPS [ROOT]: the crash campaign's workload (tests/crash/). From SEED it
 * makes OPS random file-system operations under ROOT (default /cl): creates of files of
 * many sizes (a few bytes to past the 12 direct blocks, into the indirect block), appends,
 * rename over an existing file, renames across directories, unlinks and mkdirs, written
 * in pieces of random sizes. It runs on a disk that may lose power at any write, so on the
 * console it keeps a journal of intent, one line per fact, each written (unbuffered)
 * before the operation it announces or after the call that made it durable:
 *
 *   crashload: create P                  P is being created: absent or any contents
 *   crashload: durable P len=L crc=C     P was fsync'd: it has exactly these contents
 *   crashload: append P len=L crc=C      P grows: its first L bytes (crc C) must stay
 *   crashload: rename A -> B             in flight: A as it was, or B with A's contents
 *   crashload: renamed A -> B            synced (fsync of both directories, or sync)
 *   crashload: unlink P / unlinked P     in flight / synced
 *   crashload: mkdir D / dir D           in flight / synced
 *   crashload: done ops=N writes=W ...   the workload finished
 *
 * The host (tests/crash/campaign.py) replays these lines into what must hold after the
 * crash and compares it with what /bin/crashcheck finds. Contents are a seeded byte
 * stream; crc is crashcrc.h's. Any unexpected error prints `crashload: FAIL` and exits 1. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crashcrc.h"

#define MAXF 48                          /* live files at once */
#define MAXD 8                           /* directories, ROOT included */
#define MAXLEN (120 << 10)               /* the largest file: 30 blocks, into the indirect */

struct file {
    char path[64];
    uint32_t len, crc;
    bool live;
};

static struct file files[MAXF];
static char dirs[MAXD][48];
static int ndirs, nextname;
static uint64_t rng;
static unsigned long nwrites, nbytes;
static uint8_t buf[MAXLEN];

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

/* One line of the journal of intent, written out before returning. */
static void note(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dprintf(1, "crashload: %s\n", line);
}

static void fail(const char *what, const char *path)
{
    dprintf(1, "crashload: FAIL %s %s: errno %d\n", what, path, errno);
    exit(1);
}

/* Sizes from one byte to past the direct blocks, weighted towards small files; the
 * opening tour (one_op) forces a size class instead. */
static int size_class = -1;

static uint32_t pick_size(void)
{
    int c = size_class >= 0 ? size_class : (int)below(8);
    switch (c) {
    case 0: case 1: case 2: return 1 + below(300);
    case 3: case 4: return 300 + below(3 * 4096);
    case 5: case 6: return 3 * 4096 + below(9 * 4096);    /* up to the 12 direct blocks */
    default: return 48 * 1024 + below(MAXLEN - 48 * 1024); /* through the indirect block */
    }
}

static void fill(uint8_t *b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i += 8) {
        uint64_t v = rnd();
        memcpy(b + i, &v, n - i < 8 ? n - i : 8);
    }
}

/* Writes b[0..n) at the fd's offset as several write calls of random sizes. */
static void write_pieces(int fd, const uint8_t *b, uint32_t n, const char *path)
{
    for (uint32_t done = 0; done < n;) {
        uint32_t piece = 1 + below(below(2) ? 4096 : 40000);
        if (piece > n - done)
            piece = n - done;
        if (write(fd, b + done, piece) != (ssize_t)piece)
            fail("write", path);
        done += piece;
        nwrites++;
        nbytes += piece;
    }
}

static void fsync_close(int fd, const char *path)
{
    if (fsync(fd) < 0)
        fail("fsync", path);
    if (close(fd) < 0)
        fail("close", path);
}

/* A free slot of files[], or -1. */
static int free_slot(void)
{
    for (int i = 0; i < MAXF; i++)
        if (!files[i].live)
            return i;
    return -1;
}

/* A live file chosen at random, or -1 if there is none. */
static int pick_live(void)
{
    int n = 0, pick = -1;
    for (int i = 0; i < MAXF; i++)
        if (files[i].live && below(++n) == 0)
            pick = i;
    return pick;
}

/* A new name (prefix + a counter) in a random directory. */
static void new_name(char *path, size_t size, char prefix)
{
    snprintf(path, size, "%s/%c%d", dirs[below(ndirs)], prefix, nextname++);
}

/* Creates a file of random size with a fresh name, fsyncs it: the slot, or -1. */
static int create_file(char prefix)
{
    int s = free_slot();
    if (s < 0)
        return -1;
    struct file *f = &files[s];
    new_name(f->path, sizeof f->path, prefix);
    f->len = pick_size();
    fill(buf, f->len);
    f->crc = crash_crc(0, buf, f->len);
    note("create %s", f->path);
    int fd = open(f->path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        fail("create", f->path);
    write_pieces(fd, buf, f->len, f->path);
    fsync_close(fd, f->path);
    f->live = true;
    note("durable %s len=%u crc=%08x", f->path, f->len, f->crc);
    return s;
}

static void op_append(int s)
{
    struct file *f = &files[s];
    uint32_t n = 1 + below(below(4) ? 5000 : 30000);
    if (f->len + n > MAXLEN)
        n = MAXLEN - f->len;
    if (n == 0)
        return;
    note("append %s len=%u crc=%08x", f->path, f->len, f->crc);
    int fd = open(f->path, O_WRONLY | O_APPEND);
    if (fd < 0)
        fail("open", f->path);
    fill(buf, n);
    write_pieces(fd, buf, n, f->path);
    fsync_close(fd, f->path);
    f->len += n;
    f->crc = crash_crc(f->crc, buf, n);
    note("durable %s len=%u crc=%08x", f->path, f->len, f->crc);
}

/* Makes the directory holding path durable: fsync of its fd. */
static void fsync_dir_of(const char *path)
{
    char dir[64];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        fail("open", dir);
    fsync_close(fd, dir);
}

/* rename(from, to), then made durable by sync() or by fsync of both directories. */
static void do_rename(const char *from, const char *to)
{
    note("rename %s -> %s", from, to);
    if (rename(from, to) < 0)
        fail("rename", from);
    if (below(2)) {
        if (sync() < 0)
            fail("sync", to);
    } else {
        fsync_dir_of(from);
        fsync_dir_of(to);
    }
    note("renamed %s -> %s", from, to);
}

/* The crash-safe update: a new file, fsync'd, renamed over an existing one. */
static void op_replace(int target)
{
    int s = create_file('t');
    if (s < 0)
        return;
    do_rename(files[s].path, files[target].path);
    files[target].len = files[s].len;
    files[target].crc = files[s].crc;
    files[s].live = false;
}

static void op_move(int s)
{
    char to[64];
    new_name(to, sizeof to, 'm');
    do_rename(files[s].path, to);
    snprintf(files[s].path, sizeof files[s].path, "%s", to);
}

static void op_unlink(int s)
{
    note("unlink %s", files[s].path);
    if (unlink(files[s].path) < 0)
        fail("unlink", files[s].path);
    if (sync() < 0)
        fail("sync", files[s].path);
    note("unlinked %s", files[s].path);
    files[s].live = false;
}

static void op_mkdir(void)
{
    if (ndirs == MAXD)
        return;
    char *d = dirs[ndirs];
    snprintf(d, sizeof dirs[0], "%s/d%d", dirs[below(ndirs)], nextname++);
    note("mkdir %s", d);
    if (mkdir(d, 0755) < 0)
        fail("mkdir", d);
    if (sync() < 0)
        fail("sync", d);
    note("dir %s", d);
    ndirs++;
}

/* One operation. The first eight make a tour of every kind (so even a short run covers
 * them all): mkdir, a small create, one through the indirect block, an append, a rename
 * over an existing file, a move across directories, an unlink, a multi-block create.
 * After the tour, weighted: creates 40%, appends, replaces and unlinks 15% each, moves
 * 10%, mkdirs 5%. */
static void one_op(int i)
{
    static const char tour[] = "MsiarmuS";
    char kind = i < 8 ? tour[i] : 0;
    if (!kind) {
        uint32_t r = below(100);
        kind = r < 40 ? 'c' : r < 55 ? 'a' : r < 70 ? 'r' : r < 80 ? 'm' : r < 95 ? 'u' : 'M';
    }
    int s = pick_live();
    if (s < 0 && strchr("armu", kind))          /* these need a live file */
        kind = 'c';
    size_class = kind == 's' ? 0 : kind == 'i' ? 7 : kind == 'S' ? 5 : -1;
    switch (kind) {
    case 'a': op_append(s); break;
    case 'r': op_replace(s); break;
    case 'm': op_move(s); break;
    case 'u': op_unlink(s); break;
    case 'M': op_mkdir(); break;
    default: create_file('f'); break;
    }
    size_class = -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        dprintf(2, "usage: crashload SEED OPS [ROOT]\n");
        return 2;
    }
    rng = strtoul(argv[1], NULL, 0);
    int ops = atoi(argv[2]);
    snprintf(dirs[0], sizeof dirs[0], "%s", argc > 3 ? argv[3] : "/cl");
    ndirs = 1;
    note("mkdir %s", dirs[0]);
    if (mkdir(dirs[0], 0755) < 0 || sync() < 0)
        fail("mkdir", dirs[0]);
    note("dir %s", dirs[0]);
    for (int i = 0; i < ops; i++)
        one_op(i);
    int live = 0;
    for (int i = 0; i < MAXF; i++)
        live += files[i].live;
    note("done ops=%d writes=%lu bytes=%lu files=%d dirs=%d", ops, nwrites, nbytes, live,
         ndirs);
    return 0;
}
