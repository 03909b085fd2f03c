/* yes [STRING]: prints STRING (or "y") on a line, again and again, until the reader of
 * its output goes away (the write fails, or SIGPIPE ends it). */
#include <stdio.h>

int main(int argc, char **argv)
{
    const char *s = argc > 1 ? argv[1] : "y";
    while (puts(s) != EOF)
        ;
    return 1;
}
