/* seq [FIRST [STEP]] LAST: prints the integers from FIRST (1) to LAST by STEP (1). */
#include <stdio.h>
#include <stdlib.h>

/* Parses a whole integer argument; exits with a message if s is not one. */
static long number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s) {
        fprintf(stderr, "seq: %s: not an integer\n", s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: seq [FIRST [STEP]] LAST\n");
        return 2;
    }
    long first = argc > 2 ? number(argv[1]) : 1;
    long step = argc > 3 ? number(argv[2]) : 1;
    long last = number(argv[argc - 1]);
    if (step == 0) {
        fprintf(stderr, "seq: the step must not be 0\n");
        return 2;
    }
    for (long v = first; step > 0 ? v <= last : v >= last; v += step)
        printf("%ld\n", v);
    return 0;
}
