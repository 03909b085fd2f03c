/* libctest: the user C library's behaviours (printf formats, strings, number parsing,
 * getopt, malloc, stdio streams, errno, atexit), one function each, run from a table;
 * prints one line per test and "libctest: N passed, M failed" last. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CHECK(cond) do { if (!(cond)) { \
        printf("  check failed at line %d: %s\n", __LINE__, #cond); return 0; } } while (0)

/* snprintf's output equals want and its return value is want's length. */
#define FMT(want, ...) do { char b_[128]; int n_ = snprintf(b_, sizeof b_, __VA_ARGS__); \
        if (strcmp(b_, want) != 0 || n_ != (int)strlen(want)) { \
            printf("  line %d: got \"%s\" (%d), want \"%s\"\n", __LINE__, b_, n_, want); \
            return 0; } } while (0)

static int printf_integers(void)
{
    FMT("42 -42 42", "%d %i %u", 42, -42, 42u);
    FMT("ff FF 777", "%x %X %o", 255, 255, 0777);
    FMT("-2147483648 4294967295", "%d %u", INT_MIN, UINT_MAX);
    FMT("-9223372036854775808", "%ld", LONG_MIN);
    FMT("18446744073709551615 ffffffffffffffff", "%lu %lx", ULONG_MAX, ULONG_MAX);
    FMT("-5 123456789012 abcdef0123", "%lld %llu %llx", -5LL, 123456789012ULL, 0xabcdef0123ULL);
    FMT("17", "%zu", sizeof(char[17]));
    FMT("0 0 0", "%d %x %o", 0, 0, 0);
    return 1;
}

static int printf_width_and_flags(void)
{
    FMT("[   42][42   ][00042]", "[%5d][%-5d][%05d]", 42, 42, 42);
    FMT("[  -42][-0042][-42  ]", "[%5d][%05d][%-5d]", -42, -42, -42);
    FMT("[0000ff][  abc][ab   ]", "[%06x][%5s][%-5.2s]", 255, "abc", "abc");
    FMT("[abc]", "[%.3s]", "abcdef");
    FMT("[  x][x  ]", "[%3c][%-3c]", 'x', 'x');
    FMT("[   7]", "[%*d]", 4, 7);
    FMT("[ab]", "[%.*s]", 2, "abc");
    FMT("100%", "%d%%", 100);
    const char *volatile null = NULL;     /* volatile: gcc would warn about the NULL */
    FMT("(null)", "%s", null);
    FMT("0x1000", "%p", (void *)0x1000);
    return 1;
}

static int snprintf_truncates(void)
{
    char b[8];
    CHECK(snprintf(b, sizeof b, "%s", "hello world") == 11);
    CHECK(strcmp(b, "hello w") == 0);
    CHECK(snprintf(b, 1, "abc") == 3 && b[0] == '\0');
    CHECK(snprintf(NULL, 0, "%d", 12345) == 5);
    return 1;
}

static int string_functions(void)
{
    char b[32];
    CHECK(strlen("") == 0 && strlen("abc") == 3);
    CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0);
    CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("ab", "abc", 3) < 0);
    CHECK(strcasecmp("HeLLo", "hello") == 0 && strncasecmp("ABx", "aby", 2) == 0);
    strcpy(b, "foo");
    strcat(b, "bar");
    CHECK(strcmp(b, "foobar") == 0);
    strncat(b, "bazzz", 3);
    CHECK(strcmp(b, "foobarbaz") == 0);
    memset(b, 'z', sizeof b);
    strncpy(b, "ab", 5);
    CHECK(memcmp(b, "ab\0\0\0z", 6) == 0);
    const char *s = "a/b/c";
    CHECK(strchr(s, '/') == s + 1 && strrchr(s, '/') == s + 3 && !strchr(s, 'x'));
    CHECK(strchr(s, '\0') == s + 5);
    CHECK(strstr("haystack", "yst") && strcmp(strstr("haystack", "yst"), "ystack") == 0);
    CHECK(!strstr("abc", "abd") && strstr("abc", "") != NULL);
    CHECK(strspn("aabxa", "a") == 2 && strcspn("abc,d", ",") == 3);
    strcpy(b, "0123456789");
    memmove(b + 2, b, 5);
    CHECK(memcmp(b, "0101234789", 10) == 0);
    memmove(b, b + 2, 5);
    CHECK(memcmp(b, "0123434789", 10) == 0);
    CHECK(memchr("abc", 'c', 3) != NULL && memchr("abc", 'c', 2) == NULL);
    char *d = strdup("copy");
    CHECK(d && strcmp(d, "copy") == 0);
    free(d);
    return 1;
}

static int strtok_and_strsep(void)
{
    char b[] = "  one two,,three ";
    CHECK(strcmp(strtok(b, " ,"), "one") == 0);
    CHECK(strcmp(strtok(NULL, " ,"), "two") == 0);
    CHECK(strcmp(strtok(NULL, " ,"), "three") == 0);
    CHECK(strtok(NULL, " ,") == NULL);
    char c[] = "a,,b", *p = c;
    CHECK(strcmp(strsep(&p, ","), "a") == 0);
    CHECK(strcmp(strsep(&p, ","), "") == 0);          /* strsep keeps empty fields */
    CHECK(strcmp(strsep(&p, ","), "b") == 0);
    CHECK(p == NULL && strsep(&p, ",") == NULL);
    return 1;
}

static int ctype_classes(void)
{
    CHECK(isdigit('7') && !isdigit('a') && isalpha('Q') && isalnum('0') && !isalnum('-'));
    CHECK(isspace(' ') && isspace('\n') && !isspace('x') && isxdigit('F') && !isxdigit('g'));
    CHECK(toupper('a') == 'A' && tolower('Z') == 'z' && toupper('1') == '1');
    CHECK(ispunct('!') && !ispunct('a') && isprint(' ') && !isprint('\n'));
    return 1;
}

static int strtol_parses(void)
{
    char *end;
    CHECK(strtol("  +123", &end, 10) == 123 && *end == '\0');
    CHECK(strtol("-12abc", &end, 10) == -12 && strcmp(end, "abc") == 0);
    CHECK(strtol("0x1F", NULL, 0) == 31 && strtol("0x1f", NULL, 16) == 31);
    CHECK(strtol("077", NULL, 0) == 63 && strtol("077", NULL, 10) == 77);
    CHECK(strtol("z", NULL, 36) == 35 && strtol("101", NULL, 2) == 5);
    CHECK(strtol("xyz", &end, 10) == 0 && strcmp(end, "xyz") == 0);
    CHECK(strtol("0x", &end, 0) == 0 && strcmp(end, "x") == 0);
    errno = 0;
    CHECK(strtol("9223372036854775807", NULL, 10) == LONG_MAX && errno == 0);
    CHECK(strtol("9223372036854775808", NULL, 10) == LONG_MAX && errno == ERANGE);
    errno = 0;
    CHECK(strtol("-9223372036854775808", NULL, 10) == LONG_MIN && errno == 0);
    CHECK(strtol("-9223372036854775809", NULL, 10) == LONG_MIN && errno == ERANGE);
    errno = 0;
    CHECK(strtoul("18446744073709551615", NULL, 10) == ULONG_MAX && errno == 0);
    CHECK(strtoul("18446744073709551616", NULL, 10) == ULONG_MAX && errno == ERANGE);
    CHECK(atoi("-17") == -17 && atoi("42x") == 42 && atol(" 8") == 8);
    return 1;
}

static int getopt_scans(void)
{
    char *argv1[] = { "prog", "-ab", "-c", "val", "-cinline", "--", "-notopt", NULL };
    int argc1 = 7, a = 0, b = 0, c = 0;
    char *vals[2] = { NULL, NULL };
    optind = 1;
    for (int o; (o = getopt(argc1, argv1, "abc:")) != -1; ) {
        if (o == 'a') a++;
        else if (o == 'b') b++;
        else if (o == 'c' && c < 2) vals[c++] = optarg;
        else return 0;
    }
    CHECK(a == 1 && b == 1 && c == 2);
    CHECK(strcmp(vals[0], "val") == 0 && strcmp(vals[1], "inline") == 0);
    CHECK(optind == 6 && strcmp(argv1[optind], "-notopt") == 0);

    char *argv2[] = { "prog", "-x", "file", "-a", NULL };
    optind = 1;
    opterr = 0;
    CHECK(getopt(4, argv2, "a") == '?' && optopt == 'x');
    CHECK(getopt(4, argv2, "a") == -1 && optind == 2);   /* stops at the first operand */

    char *argv3[] = { "prog", "-c", NULL };
    optind = 1;
    CHECK(getopt(2, argv3, "c:") == '?' && optopt == 'c');
    optind = 1;
    CHECK(getopt(2, argv3, ":c:") == ':');
    opterr = 1;
    optind = 1;
    return 1;
}

/* A deterministic pseudo-random sequence (xorshift) for the malloc stress test. */
static uint64_t rnd_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static int malloc_stress(void)
{
    enum { SLOTS = 64, ROUNDS = 4000 };
    static unsigned char *p[SLOTS];
    static size_t len[SLOTS];
    char *start = sbrk(0);
    for (int r = 0; r < ROUNDS; r++) {
        int i = (int)(rnd() % SLOTS);
        if (p[i]) {                          /* the block still holds what we wrote */
            for (size_t k = 0; k < len[i]; k++)
                CHECK(p[i][k] == (unsigned char)(i + k));
            free(p[i]);
            p[i] = NULL;
            continue;
        }
        len[i] = rnd() % 3 == 0 ? rnd() % 20000 : rnd() % 200;
        p[i] = malloc(len[i]);
        CHECK(p[i] != NULL && (uintptr_t)p[i] % 16 == 0);
        for (size_t k = 0; k < len[i]; k++) p[i][k] = (unsigned char)(i + k);
    }
    for (int i = 0; i < SLOTS; i++) free(p[i]), p[i] = NULL;
    /* Everything is free and merged again: a large block fits where the small ones were,
     * and freeing it gives the memory back to the kernel. */
    char *big = malloc(256 * 1024);
    CHECK(big != NULL);
    free(big);
    CHECK((char *)sbrk(0) - start < 64 * 1024);
    return 1;
}

static int calloc_realloc(void)
{
    unsigned char *a = malloc(100);
    CHECK(a);
    memset(a, 0xab, 100);
    free(a);
    unsigned *z = calloc(100, sizeof *z);
    CHECK(z);
    for (int i = 0; i < 100; i++) CHECK(z[i] == 0);
    char *s = malloc(10);
    strcpy(s, "keep me");
    s = realloc(s, 100000);
    CHECK(s && strcmp(s, "keep me") == 0);
    s = realloc(s, 4);
    CHECK(s && memcmp(s, "keep", 4) == 0);
    free(s);
    CHECK(calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);
    CHECK(malloc(SIZE_MAX) == NULL && errno == ENOMEM);
    CHECK(realloc(NULL, 8) != NULL);
    free(NULL);
    return 1;
}

static int errno_and_raw_calls(void)
{
    errno = 0;
    CHECK(write(-1, "x", 1) == -1 && errno == EBADF);
    errno = 0;
    CHECK(rawsyscall(SYS_write, -1, (long)"x", 1, 0, 0, 0) == -EBADF && errno == 0);
    CHECK(rawsyscall(SYS_getpid, 0, 0, 0, 0, 0, 0) == getpid());
    CHECK(rawsyscall(NSYSCALL + 5, 0, 0, 0, 0, 0, 0) == -ENOSYS);
    CHECK(strcmp(strerror(ENOENT), "no such file or directory") == 0);
    CHECK(strcmp(strsignal(9), "Killed") == 0);
    return 1;
}

/* Reads everything from fd into buf (NUL-terminated); returns the length. */
static size_t slurp(int fd, char *buf, size_t n)
{
    size_t got = 0;
    ssize_t r;
    while (got + 1 < n && (r = read(fd, buf + got, n - 1 - got)) > 0) got += (size_t)r;
    buf[got] = '\0';
    return got;
}

static void atexit_a(void) { fputs("a", stdout); }
static void atexit_b(void) { fputs("b", stdout); }

/* A child's buffered stdout reaches the pipe at exit(), after the atexit functions ran
 * last-registered first; _exit() would have dropped it. */
static int exit_flushes_after_atexit(void)
{
    int fds[2];
    char buf[64];
    CHECK(pipe(fds) == 0);
    fflush(NULL);
    int pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        atexit(atexit_a);
        atexit(atexit_b);
        fputs("partial line ", stdout);
        exit(3);
    }
    close(fds[1]);
    slurp(fds[0], buf, sizeof buf);
    close(fds[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && status == 3);
    CHECK(strcmp(buf, "partial line ba") == 0);
    return 1;
}

/* fdopen'd streams: full buffering on output until fflush/fclose; getline and fgets split
 * the input at newlines and see the end of the pipe. */
static int streams_over_a_pipe(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    FILE *w = fdopen(fds[1], "w"), *r = fdopen(fds[0], "r");
    CHECK(w && r);
    fprintf(w, "first line\n%s\n%d", "second", 3);
    CHECK(fclose(w) == 0);
    char *line = NULL, small[4];
    size_t cap = 0;
    CHECK(getline(&line, &cap, r) == 11 && strcmp(line, "first line\n") == 0);
    CHECK(fgets(small, sizeof small, r) && strcmp(small, "sec") == 0);
    CHECK(getline(&line, &cap, r) == 4 && strcmp(line, "ond\n") == 0);
    CHECK(fgetc(r) == '3' && fgetc(r) == EOF && feof(r));
    CHECK(getline(&line, &cap, r) == -1);
    free(line);
    CHECK(fclose(r) == 0);
    return 1;
}

/* The terminal calls: ENOTTY on a pipe, EBADF on no fd; on the console (fd 0 under
 * `vmm -- /bin/libctest`) the defaults, a round trip through raw mode, bad arguments. */
static int termios_calls(void)
{
    int fds[2];
    struct termios t, raw, back;
    CHECK(pipe(fds) == 0);
    errno = 0;
    CHECK(tcgetattr(fds[0], &t) == -1 && errno == ENOTTY);
    CHECK(tcsetattr(fds[1], TCSANOW, &t) == -1 && errno == ENOTTY);
    CHECK(!isatty(fds[0]) && errno == ENOTTY);
    CHECK(tcgetattr(99, &t) == -1 && errno == EBADF);
    close(fds[0]), close(fds[1]);
    if (!isatty(0)) return 1;                  /* stdin redirected: nothing more to check */
    CHECK(tcgetattr(0, &t) == 0);
    /* Echo is on when a person types (the VMM's stdin is a terminal), off for a stream. */
    CHECK((t.c_lflag & (ICANON | ISIG)) == (ICANON | ISIG) && (t.c_iflag & ICRNL));
    raw = t;
    cfmakeraw(&raw);
    CHECK(!(raw.c_lflag & (ICANON | ECHO | ISIG)) && !(raw.c_iflag & ICRNL));
    CHECK(tcsetattr(0, TCSANOW, &raw) == 0 && tcgetattr(1, &back) == 0);   /* one console */
    CHECK(back.c_lflag == raw.c_lflag && back.c_iflag == raw.c_iflag);
    CHECK(tcsetattr(0, 7, &t) == -1 && errno == EINVAL);
    CHECK(rawsyscall(SYS_tcsetattr, 0, TCSANOW, 0, 0, 0, 0) == -EFAULT);
    CHECK(rawsyscall(SYS_tcgetattr, 0, 0x10, 0, 0, 0, 0) == -EFAULT);
    CHECK(tcsetattr(0, TCSANOW, &t) == 0 && tcgetattr(0, &back) == 0);
    CHECK(back.c_lflag == t.c_lflag);
    return 1;
}

static struct {
    int (*fn)(void);
    const char *name;
} tests[] = {
    { printf_integers, "printf_integers" },
    { printf_width_and_flags, "printf_width_and_flags" },
    { snprintf_truncates, "snprintf_truncates" },
    { string_functions, "string_functions" },
    { strtok_and_strsep, "strtok_and_strsep" },
    { ctype_classes, "ctype_classes" },
    { strtol_parses, "strtol_parses" },
    { getopt_scans, "getopt_scans" },
    { malloc_stress, "malloc_stress" },
    { calloc_realloc, "calloc_realloc" },
    { errno_and_raw_calls, "errno_and_raw_calls" },
    { exit_flushes_after_atexit, "exit_flushes_after_atexit" },
    { streams_over_a_pipe, "streams_over_a_pipe" },
    { termios_calls, "termios_calls" },
};

int main(void)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        int ok = tests[i].fn();
        printf("%s: %s\n", tests[i].name, ok ? "ok" : "FAILED");
        ok ? passed++ : failed++;
    }
    printf("libctest: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
