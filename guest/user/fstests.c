/* fstests [NAME...]: the file-system tests run inside the guest (files, big files through
 * the indirect blocks, many files, directories, rename over a file, unlink of open files,
 * concurrent writers, error cases). Prints one line per test and
 * `fstests: N passed, M failed` last; exits 0 only if none failed. Run it on a fresh disk:
 * it works under /fst and removes it at the end. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("  %s:%d: %s\n", __FILE__, __LINE__, #c); return -1; } } while (0)
#define BIG_MB 8

static char buf[65536];

static int put(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -1;
    int n = (int)write(fd, s, strlen(s));
    close(fd);
    return n == (int)strlen(s) ? 0 : -1;
}

/* The file's contents into buf, NUL-terminated; its length or -1. */
static int get(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = (int)read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static int t_create_read(void)
{
    CHECK(put("/fst/a", "hello") == 0);
    CHECK(get("/fst/a") == 5 && strcmp(buf, "hello") == 0);
    CHECK(open("/fst/a", O_WRONLY | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST);
    CHECK(open("/fst/none", O_RDONLY) == -1 && errno == ENOENT);
    int fd = open("/fst/a", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, " world", 6) == 6 && close(fd) == 0);
    CHECK(get("/fst/a") == 11 && strcmp(buf, "hello world") == 0);
    fd = open("/fst/a", O_RDWR | O_TRUNC);
    CHECK(fd >= 0 && read(fd, buf, 10) == 0 && close(fd) == 0);
    struct stat st;
    CHECK(stat("/fst/a", &st) == 0 && st.st_size == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1);
    fd = open("/fst/a", O_RDONLY);
    CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == EBADF && close(fd) == 0);
    return unlink("/fst/a");
}

static int t_seek_holes(void)
{
    int fd = open("/fst/h", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK(lseek(fd, 100000, SEEK_SET) == 100000 && write(fd, "end", 3) == 3);
    CHECK(lseek(fd, 0, SEEK_END) == 100003 && lseek(fd, -3, SEEK_CUR) == 100000);
    CHECK(read(fd, buf, 10) == 3 && memcmp(buf, "end", 3) == 0);
    CHECK(lseek(fd, 50000, SEEK_SET) == 50000 && read(fd, buf, 100) == 100);
    for (int i = 0; i < 100; i++)
        CHECK(buf[i] == 0);
    CHECK(lseek(fd, -1, SEEK_SET) == -1 && errno == EINVAL);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 100003);
    CHECK(ftruncate(fd, 10) == 0 && fstat(fd, &st) == 0 && st.st_size == 10);
    CHECK(ftruncate(fd, 8192) == 0 && lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, 8192) == 8192);
    for (int i = 0; i < 8192; i++)
        CHECK(buf[i] == 0);
    CHECK(close(fd) == 0 && lseek(fd, 0, SEEK_SET) == -1 && errno == EBADF);
    int p[2];
    CHECK(pipe(p) == 0 && lseek(p[0], 0, SEEK_SET) == -1 && errno == ESPIPE);
    close(p[0]);
    close(p[1]);
    return unlink("/fst/h");
}

static void pattern(char *b, long off, int n)
{
    for (int i = 0; i < n; i += 8)
        *(long *)(b + i) = (off + i) * 2654435761L;
}

/* BIG_MB MiB: past the 12 direct blocks, the indirect block and into the double indirect. */
static int t_bigfile(void)
{
    struct statfs s0, s1;
    CHECK(statfs(&s0) == 0);
    int fd = open("/fst/big", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    for (long off = 0; off < BIG_MB << 20; off += sizeof buf) {
        pattern(buf, off, sizeof buf);
        CHECK(write(fd, buf, sizeof buf) == sizeof buf);
    }
    CHECK(fsync(fd) == 0 && lseek(fd, 0, SEEK_SET) == 0);
    static char want[sizeof buf];
    for (long off = 0; off < BIG_MB << 20; off += sizeof buf) {
        CHECK(read(fd, buf, sizeof buf) == sizeof buf);
        pattern(want, off, sizeof want);
        CHECK(memcmp(buf, want, sizeof buf) == 0);
    }
    CHECK(read(fd, buf, 1) == 0);
    close(fd);
    CHECK(unlink("/fst/big") == 0 && statfs(&s1) == 0);
    CHECK(s1.f_bfree == s0.f_bfree && s1.f_ffree == s0.f_ffree);
    return 0;
}

static int t_many_files(void)
{
    char path[64];
    CHECK(mkdir("/fst/many", 0755) == 0);
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "/fst/many/f%d", i);
        CHECK(put(path, path) == 0);
    }
    DIR *d = opendir("/fst/many");
    struct dirent *e;
    int n = 0, dots = 0;
    CHECK(d);
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            dots++;
        } else {
            n++;
            CHECK(e->d_type == DT_REG && e->d_name[0] == 'f');
        }
    closedir(d);
    CHECK(n == 300 && dots == 2);
    for (int i = 0; i < 300; i++) {
        snprintf(path, sizeof path, "/fst/many/f%d", i);
        CHECK(get(path) > 0 && strcmp(buf, path) == 0 && unlink(path) == 0);
    }
    return rmdir("/fst/many");
}

static int t_dirs(void)
{
    char cwd[256];
    CHECK(mkdir("/fst/d", 0755) == 0 && mkdir("/fst/d/e", 0755) == 0);
    CHECK(mkdir("/fst/d", 0755) == -1 && errno == EEXIST);
    CHECK(rmdir("/fst/d") == -1 && errno == ENOTEMPTY);
    CHECK(chdir("/fst/d") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd, "/fst/d") == 0);
    CHECK(put("e/f", "rel") == 0 && get("/fst/d/e/f") == 3);
    CHECK(chdir("e") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd, "/fst/d/e") == 0);
    CHECK(get("../e/./f") == 3 && getcwd(cwd, 3) == NULL && errno == ERANGE);
    CHECK(chdir("/") == 0 && getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
    CHECK(chdir("/fst/d/e/f") == -1 && errno == ENOTDIR);
    CHECK(open("/fst/d/e/f/x", O_RDONLY) == -1 && errno == ENOTDIR);
    CHECK(open("/fst/d", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(rmdir("/fst/d/e/f") == -1 && errno == ENOTDIR);
    CHECK(unlink("/fst/d/e") == -1 && errno == EISDIR);
    CHECK(unlink("/fst/d/e/f") == 0 && rmdir("/fst/d/e") == 0 && rmdir("/fst/d") == 0);
    struct stat st;
    CHECK(stat("/fst/d", &st) == -1 && errno == ENOENT);
    CHECK(stat("/", &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == 1);
    return 0;
}

static int t_links_rename(void)
{
    struct stat st;
    CHECK(put("/fst/r1", "one") == 0 && put("/fst/r2", "two") == 0);
    CHECK(link("/fst/r1", "/fst/l1") == 0 && stat("/fst/r1", &st) == 0 && st.st_nlink == 2);
    CHECK(link("/fst/r1", "/fst/r2") == -1 && errno == EEXIST);
    CHECK(link("/fst", "/fst/dl") == -1 && errno == EPERM);
    CHECK(rename("/fst/r1", "/fst/r2") == 0);             /* over an existing file */
    CHECK(get("/fst/r2") == 3 && strcmp(buf, "one") == 0);
    CHECK(get("/fst/r1") == -1 && errno == ENOENT);
    CHECK(stat("/fst/l1", &st) == 0 && st.st_nlink == 2);
    CHECK(mkdir("/fst/rd", 0755) == 0 && rename("/fst/r2", "/fst/rd/moved") == 0);
    CHECK(get("/fst/rd/moved") == 3 && rename("/fst/rd", "/fst/rd2") == 0);
    CHECK(get("/fst/rd2/moved") == 3);
    CHECK(rename("/fst/rd2", "/fst/rd2/sub") == -1 && errno == EINVAL);
    CHECK(unlink("/fst/rd2/moved") == 0 && rmdir("/fst/rd2") == 0 && unlink("/fst/l1") == 0);
    return 0;
}

static int t_unlink_open(void)
{
    struct statfs s0, s1, s2;
    CHECK(statfs(&s0) == 0);
    int fd = open("/fst/u", O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0);
    pattern(buf, 0, sizeof buf);
    CHECK(write(fd, buf, sizeof buf) == sizeof buf && unlink("/fst/u") == 0);
    CHECK(open("/fst/u", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(statfs(&s1) == 0 && s1.f_ffree == s0.f_ffree - 1);   /* still allocated */
    static char back[sizeof buf];
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, back, sizeof back) == sizeof back);
    CHECK(memcmp(buf, back, sizeof buf) == 0 && write(fd, "more", 4) == 4);
    CHECK(close(fd) == 0 && statfs(&s2) == 0);
    CHECK(s2.f_ffree == s0.f_ffree && s2.f_bfree == s0.f_bfree);
    return 0;
}

/* Four processes write their own files and append records to a shared one at once. */
static int t_concurrent(void)
{
    enum { NW = 4, RECS = 200, FILE_KB = 256 };
    int shared = open("/fst/shared", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    CHECK(shared >= 0);
    for (int w = 0; w < NW; w++) {
        int pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            char path[32], rec[16];
            snprintf(path, sizeof path, "/fst/w%d", w);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            memset(buf, 'a' + w, 4096);
            for (int i = 0; i < RECS; i++) {
                snprintf(rec, sizeof rec, "w%d r%04d\n", w, i);
                if (write(shared, rec, 9) != 9)
                    _exit(1);
                if (i < FILE_KB / 4 && write(fd, buf, 4096) != 4096)
                    _exit(2);
            }
            _exit(close(fd) == 0 ? 0 : 3);
        }
    }
    close(shared);
    for (int w = 0; w < NW; w++) {
        int st;
        CHECK(wait(&st) > 0 && st == 0);
    }
    struct stat st;
    CHECK(stat("/fst/shared", &st) == 0 && st.st_size == NW * RECS * 9);
    int fd = open("/fst/shared", O_RDONLY), count[NW] = { 0 };
    static char all[NW * RECS * 9];
    CHECK(fd >= 0 && read(fd, all, sizeof all) == sizeof all && close(fd) == 0);
    for (int i = 0; i < NW * RECS; i++) {
        char *r = all + 9 * i;
        CHECK(r[0] == 'w' && r[1] >= '0' && r[1] < '0' + NW && r[8] == '\n');
        count[r[1] - '0']++;
    }
    for (int w = 0; w < NW; w++) {
        char path[32];
        snprintf(path, sizeof path, "/fst/w%d", w);
        CHECK(count[w] == RECS && stat(path, &st) == 0 && st.st_size == FILE_KB * 1024);
        CHECK(unlink(path) == 0);
    }
    return unlink("/fst/shared");
}

static int t_errors(void)
{
    char longname[80];
    memset(longname, 'n', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    CHECK(open(longname, O_RDONLY) == -1 && errno == ENAMETOOLONG);
    CHECK(open("", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open((char *)8, O_RDONLY) == -1 && errno == EFAULT);
    CHECK(stat("/", (struct stat *)8) == -1 && errno == EFAULT);
    CHECK(fstat(99, NULL) == -1 && errno == EBADF);
    CHECK(fsync(1) == -1 && errno == EINVAL);
    CHECK(rmdir("/") == -1 && errno == EBUSY);
    CHECK(rmdir("/fst/.") == -1 && errno == EINVAL);
    CHECK(mkdir("/nodir/x", 0755) == -1 && errno == ENOENT);
    int fd = open("/fst", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, 10) == -1 && errno == EISDIR);
    CHECK(getdents(fd, buf, 10) == -1 && errno == EINVAL && close(fd) == 0);
    CHECK(put("/fst/e", "x") == 0 && (fd = open("/fst/e", O_RDONLY)) >= 0);
    CHECK(getdents(fd, buf, sizeof buf) == -1 && errno == ENOTDIR);
    CHECK(read(fd, (char *)8, 1) == -1 && errno == EFAULT && close(fd) == 0);
    CHECK(diskio(0, DISKIO_WRITE, 0, buf) == -1 && errno == EBUSY);
    /* An fd is an int: high bits of the register are ignored, never used as an index. */
    long big = (1L << 32) | 1;
    CHECK(rawsyscall(SYS_lseek, big, 0, SEEK_SET, 0, 0, 0) == -ESPIPE);
    CHECK(rawsyscall(SYS_fsync, big, 0, 0, 0, 0, 0) == -EINVAL);
    CHECK(rawsyscall(SYS_ftruncate, (1L << 40) | 1, 0, 0, 0, 0, 0) == -EINVAL);
    CHECK(rawsyscall(SYS_lseek, (1L << 40) | 77, 0, SEEK_SET, 0, 0, 0) == -EBADF);
    return unlink("/fst/e");
}

static const struct { int (*fn)(void); const char *name; } tests[] = {
    { t_create_read, "create_read" },   { t_seek_holes, "seek_holes" },
    { t_dirs, "dirs" },                 { t_links_rename, "links_rename" },
    { t_unlink_open, "unlink_open" },   { t_many_files, "many_files" },
    { t_concurrent, "concurrent" },     { t_errors, "errors" },
    { t_bigfile, "bigfile" },
};

int main(int argc, char **argv)
{
    int pass = 0, fail = 0;
    mkdir("/fst", 0755);
    for (unsigned i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int want = argc == 1;
        for (int a = 1; a < argc; a++)
            want |= strcmp(argv[a], tests[i].name) == 0;
        if (!want)
            continue;
        long t0 = uptime();
        int r = tests[i].fn();
        printf("%s %s (%ld ms)\n", r == 0 ? "PASS" : "FAIL", tests[i].name, uptime() - t0);
        if (r == 0)
            pass++;
        else
            fail++;
    }
    rmdir("/fst");
    printf("fstests: %d passed, %d failed\n", pass, fail);
    return fail != 0;
}
