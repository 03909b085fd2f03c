/* A streaming JSON writer: tracks the open containers to place commas, newlines and
 * indentation, and refuses (by setting an error flag) anything that would not be JSON. */
#include "vmm/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void json_init(struct json *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

static void newline_indent(struct json *j, int depth)
{
    fputc('\n', j->f);
    for (int i = 0; i < depth; i++)
        fputs("  ", j->f);
}

/* Start a member of the current container: the comma and newline that go before it. */
static void member(struct json *j)
{
    if (!j->empty[j->depth - 1])
        fputc(',', j->f);
    j->empty[j->depth - 1] = false;
    newline_indent(j, j->depth);
}

/* Check that a value may be written here and write what precedes it; false on misuse. */
static bool value_begin(struct json *j)
{
    if (j->error)
        return false;
    if (j->depth == 0) {
        j->error = j->done;             /* a second top-level value */
        return !j->error;
    }
    if (j->open[j->depth - 1] == '{') {
        j->error = !j->key_pending;     /* a value without a key */
        j->key_pending = false;
        return !j->error;
    }
    member(j);
    return true;
}

static void value_end(struct json *j)
{
    if (j->depth == 0)
        j->done = true;
}

static void container_begin(struct json *j, char open)
{
    if (!value_begin(j))
        return;
    if (j->depth == JSON_MAX_DEPTH) {
        j->error = true;
        return;
    }
    j->open[j->depth] = open;
    j->empty[j->depth] = true;
    j->depth++;
    fputc(open, j->f);
}

static void container_end(struct json *j, char open, char close)
{
    if (j->error)
        return;
    if (j->depth == 0 || j->open[j->depth - 1] != open || j->key_pending) {
        j->error = true;
        return;
    }
    j->depth--;
    if (!j->empty[j->depth])
        newline_indent(j, j->depth);
    fputc(close, j->f);
    value_end(j);
}

void json_object_begin(struct json *j) { container_begin(j, '{'); }
void json_object_end(struct json *j) { container_end(j, '{', '}'); }
void json_array_begin(struct json *j) { container_begin(j, '['); }
void json_array_end(struct json *j) { container_end(j, '[', ']'); }

/* The length of the valid UTF-8 sequence starting at s (a byte >= 0x80), or 0. The ranges
 * exclude overlong forms, surrogates and code points above U+10FFFF (RFC 3629). */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    int n;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int k = 2; k < n; k++)
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    return n;
}

static void write_string(struct json *j, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', j->f);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', j->f);
            fputc(*s++, j->f);
        } else if (*s < 0x20) {
            fprintf(j->f, "\\u%04x", *s++);
        } else if (*s < 0x80) {
            fputc(*s++, j->f);
        } else {
            int n = utf8_len(s);    /* stops at a NUL: it is not a continuation byte */
            if (n == 0) {
                fputs("\\ufffd", j->f);
                s++;
            } else {
                fwrite(s, 1, n, j->f);
                s += n;
            }
        }
    }
    fputc('"', j->f);
}

void json_key(struct json *j, const char *key)
{
    if (j->error)
        return;
    if (j->depth == 0 || j->open[j->depth - 1] != '{' || j->key_pending || !key) {
        j->error = true;
        return;
    }
    member(j);
    write_string(j, key);
    fputs(": ", j->f);
    j->key_pending = true;
}

void json_string(struct json *j, const char *s)
{
    if (!s)
        j->error = true;
    if (!value_begin(j))
        return;
    write_string(j, s);
    value_end(j);
}

void json_uint(struct json *j, uint64_t v)
{
    if (!value_begin(j))
        return;
    fprintf(j->f, "%" PRIu64, v);
    value_end(j);
}

void json_int(struct json *j, int64_t v)
{
    if (!value_begin(j))
        return;
    fprintf(j->f, "%" PRId64, v);
    value_end(j);
}

/* The shortest of %.15g..%.17g that reads back as exactly v, so 0.1 stays "0.1". */
void json_double(struct json *j, double v)
{
    if (!isfinite(v)) {
        json_null(j);
        return;
    }
    if (!value_begin(j))
        return;
    char buf[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, j->f);
    value_end(j);
}

void json_bool(struct json *j, bool v)
{
    if (!value_begin(j))
        return;
    fputs(v ? "true" : "false", j->f);
    value_end(j);
}

void json_null(struct json *j)
{
    if (!value_begin(j))
        return;
    fputs("null", j->f);
    value_end(j);
}

int json_finish(struct json *j)
{
    if (j->error || !j->done)
        return -1;
    fputc('\n', j->f);
    return fflush(j->f) == 0 && !ferror(j->f) ? 0 : -1;
}
