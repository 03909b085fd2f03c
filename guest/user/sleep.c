/* sleep SECONDS: waits that long; fractions are fine (sleep 0.25). */
#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

/* SECONDS as milliseconds ("1.5" -> 1500), or -1 if it is not a number. */
static long parse_ms(const char *s)
{
    long ms = 0, scale = 1000;
    if (!*s) return -1;
    for (; isdigit((unsigned char)*s); s++) {
        if (ms > 1000L * 1000 * 1000 * 1000) return -1;
        ms = ms * 10 + (*s - '0') * 1000;
    }
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++)
            ms += (scale /= 10) * (*s - '0');
    return *s ? -1 : ms;
}

int main(int argc, char **argv)
{
    long ms = argc == 2 ? parse_ms(argv[1]) : -1;
    if (ms < 0) {
        fprintf(stderr, "usage: sleep SECONDS\n");
        return 2;
    }
    if (sleep(ms) < 0) {
        perror("sleep");
        return 1;
    }
    return 0;
}
