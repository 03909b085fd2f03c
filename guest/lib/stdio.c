/* Buffered streams over file descriptors: stdin, stdout, stderr and up to FOPEN_MAX - 3
 * more from fdopen. stdout is line-buffered (the kernel cannot yet tell a program whether
 * fd 1 is the console or a pipe, and a person at the console wants whole lines at once);
 * stderr is unbuffered; other streams move BUFSIZ bytes at a time. Before any stream
 * blocks in read, the output streams are flushed, so a prompt without a newline shows.
 * exit() flushes everything; _exit() does not. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { UNBUF, LINEBUF, FULLBUF };

struct stdio_file {
    int fd;
    int mode;               /* UNBUF, LINEBUF or FULLBUF */
    int in_use, reading;    /* a slot taken; an input (not an output) stream */
    int eof, err;
    size_t pos, len;        /* input: next byte, bytes read; output: len bytes waiting */
    char buf[BUFSIZ];
};

static struct stdio_file files[FOPEN_MAX] = {
    { .fd = 0, .mode = FULLBUF, .in_use = 1, .reading = 1 },
    { .fd = 1, .mode = LINEBUF, .in_use = 1 },
    { .fd = 2, .mode = UNBUF, .in_use = 1 },
};
FILE *const stdin = &files[0];
FILE *const stdout = &files[1];
FILE *const stderr = &files[2];

/* Writes out f's pending output; -1 (and the error flag) if the descriptor refuses it. */
static int flush_one(FILE *f)
{
    size_t off = 0;
    while (off < f->len) {
        ssize_t w = write(f->fd, f->buf + off, f->len - off);
        if (w <= 0) {
            f->err = 1;
            f->len = 0;
            return EOF;
        }
        off += (size_t)w;
    }
    f->len = 0;
    return 0;
}

int fflush(FILE *f)
{
    if (f) return f->reading ? 0 : flush_one(f);
    int r = 0;
    for (int i = 0; i < FOPEN_MAX; i++)
        if (files[i].in_use && !files[i].reading) r |= flush_one(&files[i]);
    return r;
}

FILE *fdopen(int fd, const char *mode)
{
    if (fd < 0 || !mode || (mode[0] != 'r' && mode[0] != 'w' && mode[0] != 'a')) {
        errno = EINVAL;
        return NULL;
    }
    for (int i = 3; i < FOPEN_MAX; i++) {
        if (files[i].in_use) continue;
        files[i] = (struct stdio_file){ .fd = fd, .mode = FULLBUF, .in_use = 1,
                                        .reading = mode[0] == 'r' };
        return &files[i];
    }
    errno = EMFILE;
    return NULL;
}

int fclose(FILE *f)
{
    int r = fflush(f);
    if (close(f->fd) < 0) r = EOF;
    if (f >= &files[3]) f->in_use = 0;
    return r;
}

/* Queues one byte of output, writing the buffer out only when it is full. */
static int store(FILE *f, char c)
{
    f->buf[f->len++] = c;
    return f->len == sizeof f->buf ? flush_one(f) : 0;
}

/* Output functions queue their bytes and flush at the end of the call if the stream's
 * mode asks for it, so one printf to stderr is one write, not one per character. */
size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
    const char *s = p;
    int newline = 0;
    if (f->reading) return 0;
    for (size_t i = 0; i < size * n; i++) {
        if (store(f, s[i]) < 0) return i / size;
        newline |= s[i] == '\n';
    }
    if (f->mode == UNBUF || (f->mode == LINEBUF && newline))
        if (flush_one(f) < 0) return 0;
    return n;
}

int fputc(int c, FILE *f)
{
    char ch = (char)c;
    return fwrite(&ch, 1, 1, f) == 1 ? (unsigned char)ch : EOF;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }

int fputs(const char *s, FILE *f)
{
    size_t n = strlen(s);
    return fwrite(s, 1, n, f) == n ? 0 : EOF;
}

int puts(const char *s)
{
    return fputs(s, stdout) == 0 && fputc('\n', stdout) != EOF ? 0 : EOF;
}

/* Refills an input stream; 0 at end of input or on an error. */
static int fill(FILE *f)
{
    fflush(NULL);                /* a blocking read must not hide a prompt */
    ssize_t r = read(f->fd, f->buf, sizeof f->buf);
    if (r <= 0) {
        if (r < 0) f->err = 1; else f->eof = 1;
        return 0;
    }
    f->pos = 0;
    f->len = (size_t)r;
    return 1;
}

int fgetc(FILE *f)
{
    if (!f->reading) return EOF;
    if (f->pos == f->len && !fill(f)) return EOF;
    return (unsigned char)f->buf[f->pos++];
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }

char *fgets(char *s, int n, FILE *f)
{
    int i = 0, c = 0;
    while (i + 1 < n && c != '\n' && (c = fgetc(f)) != EOF)
        s[i++] = (char)c;
    if (i == 0 || n <= 0) return NULL;
    s[i] = '\0';
    return s;
}

ssize_t getline(char **line, size_t *cap, FILE *f)
{
    size_t len = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > *cap) {
            size_t n = *cap < 64 ? 128 : *cap * 2;
            char *p = realloc(*line, n);
            if (!p) return -1;
            *line = p, *cap = n;
        }
        (*line)[len++] = (char)c;
        if (c == '\n') break;
    }
    if (len == 0) return -1;
    (*line)[len] = '\0';
    return (ssize_t)len;
}

size_t fread(void *p, size_t size, size_t n, FILE *f)
{
    char *d = p;
    size_t want = size * n, got = 0;
    while (got < want) {
        if (!f->reading || (f->pos == f->len && !fill(f))) break;
        size_t k = f->len - f->pos < want - got ? f->len - f->pos : want - got;
        memcpy(d + got, f->buf + f->pos, k);
        f->pos += k;
        got += k;
    }
    return size ? got / size : 0;
}

int feof(FILE *f) { return f->eof; }
int ferror(FILE *f) { return f->err; }
int fileno(FILE *f) { return f->fd; }

void perror(const char *s)
{
    if (s && *s) fprintf(stderr, "%s: %s\n", s, strerror(errno));
    else fprintf(stderr, "%s\n", strerror(errno));
}
