/* A small streaming JSON writer on a FILE*: one document, pretty-printed with two-space
 * indentation, commas placed automatically, and misuse recorded instead of written. */
#ifndef VMM_JSON_H
#define VMM_JSON_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

/* Writer state; initialise with json_init. Inside an object every value must follow a key;
 * inside an array no key may appear; the document is exactly one value. Any violation
 * (or nesting deeper than JSON_MAX_DEPTH) sets error, after which nothing more is written. */
struct json {
    FILE *f;
    bool error;
    bool key_pending;           /* a key was written; its value comes next */
    bool done;                  /* the top-level value is complete */
    int depth;
    char open[JSON_MAX_DEPTH];  /* '{' or '[' for each open container */
    bool empty[JSON_MAX_DEPTH]; /* no member written yet */
};

void json_init(struct json *j, FILE *f);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);

/* The key of the next object member. */
void json_key(struct json *j, const char *key);

/* Values. Strings are escaped: quote, backslash and control characters; valid UTF-8 passes
 * through and each byte of an invalid sequence becomes U+FFFD, so the output is always
 * valid JSON. A NULL string is an error. Non-finite doubles are written as null. */
void json_string(struct json *j, const char *s);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* End the document with a newline and flush. 0 if it is complete and was written without
 * error, else -1. */
int json_finish(struct json *j);

#endif
