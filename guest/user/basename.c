/* basename PATH [SUFFIX]: PATH without its directories (and without SUFFIX). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: basename PATH [SUFFIX]\n");
        return 2;
    }
    char *p = argv[1];
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/') p[--len] = '\0';   /* "a/b/" is "b" */
    char *slash = strrchr(p, '/');
    if (slash && slash[1]) p = slash + 1;
    len = strlen(p);
    size_t sl = argc == 3 ? strlen(argv[2]) : 0;
    if (sl && sl < len && strcmp(p + len - sl, argv[2]) == 0) p[len - sl] = '\0';
    puts(p);
    return 0;
}
