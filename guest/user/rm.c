/* rm [-r] [-f] PATH...: removes files; -r removes directories with their contents, -f
 * ignores paths that do not exist. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int force;

static int removes(const char *path, int recursive)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        if (force && errno == ENOENT)
            return 0;
        return fprintf(stderr, "rm: %s: %s\n", path, strerror(errno)), 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0)
            return fprintf(stderr, "rm: %s: %s\n", path, strerror(errno)), 1;
        return 0;
    }
    if (!recursive)
        return fprintf(stderr, "rm: %s: is a directory\n", path), 1;
    int status = 0;
    for (;;) {                  /* re-open after each removal: the offsets move */
        DIR *d = opendir(path);
        struct dirent *e;
        char child[512] = "";
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(child, sizeof child, "%s/%s", path, e->d_name);
                break;
            }
        if (d)
            closedir(d);
        if (!child[0] || (status = removes(child, 1)) != 0)
            break;
    }
    if (status == 0 && rmdir(path) < 0)
        return fprintf(stderr, "rm: %s: %s\n", path, strerror(errno)), 1;
    return status;
}

int main(int argc, char **argv)
{
    int i = 1, recursive = 0, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'r')
                recursive = 1;
            else if (*o == 'f')
                force = 1;
            else
                return fprintf(stderr, "usage: rm [-rf] PATH...\n"), 2;
        }
    if (i == argc && !force)
        return fprintf(stderr, "usage: rm [-rf] PATH...\n"), 2;
    for (; i < argc; i++)
        status |= removes(argv[i], recursive);
    return status;
}
