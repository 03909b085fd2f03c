/* stty [SETTING...]: shows or changes the console's terminal settings (<termios.h>).
 * Settings: [-]icanon [-]echo [-]isig [-]icrnl [-]opost [-]onlcr, raw (cfmakeraw), and
 * sane (the settings the console starts with: canonical, echo, signals, CR to NL). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>

static const struct {
    const char *name;
    int word;                  /* 0 c_iflag, 1 c_oflag, 2 c_lflag */
    unsigned bit;
} flags[] = {
    { "icanon", 2, ICANON }, { "echo", 2, ECHO }, { "isig", 2, ISIG },
    { "icrnl", 0, ICRNL }, { "opost", 1, OPOST }, { "onlcr", 1, ONLCR },
};
#define NFLAGS (sizeof flags / sizeof flags[0])

static uint32_t *word(struct termios *t, int w)
{
    return w == 0 ? &t->c_iflag : w == 1 ? &t->c_oflag : &t->c_lflag;
}

int main(int argc, char **argv)
{
    struct termios t;
    if (tcgetattr(0, &t) < 0)
        return fprintf(stderr, "stty: stdin: %s\n", strerror(errno)), 1;
    if (argc == 1) {
        for (size_t i = 0; i < NFLAGS; i++)
            printf("%s%s%s", *word(&t, flags[i].word) & flags[i].bit ? "" : "-", flags[i].name,
                   i + 1 < NFLAGS ? " " : "\n");
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        int off = s[0] == '-';
        size_t i = 0;
        if (strcmp(s, "raw") == 0) {
            cfmakeraw(&t);
            continue;
        }
        if (strcmp(s, "sane") == 0) {
            t = (struct termios){ .c_iflag = ICRNL, .c_lflag = ISIG | ICANON | ECHO };
            continue;
        }
        while (i < NFLAGS && strcmp(s + off, flags[i].name) != 0) i++;
        if (i == NFLAGS)
            return fprintf(stderr, "stty: unknown setting %s\n", s), 2;
        if (off) *word(&t, flags[i].word) &= ~flags[i].bit;
        else *word(&t, flags[i].word) |= flags[i].bit;
    }
    if (tcsetattr(0, TCSADRAIN, &t) < 0)
        return fprintf(stderr, "stty: %s\n", strerror(errno)), 1;
    return 0;
}
