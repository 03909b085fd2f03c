/* dirname PATH: the directory part of PATH ("." if it has none). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dirname PATH\n");
        return 2;
    }
    char *p = argv[1];
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/') len--;          /* trailing slashes */
    while (len > 0 && p[len - 1] != '/') len--;          /* the last name */
    while (len > 1 && p[len - 1] == '/') len--;          /* the slashes before it */
    if (len == 0) puts(p[0] == '/' ? "/" : ".");
    else printf("%.*s\n", (int)len, p);
    return 0;
}
