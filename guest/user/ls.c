/* ls [-l] [-a] [PATH...]: lists directories (their entries sorted by name) and names
 * files; -l adds the type and permissions, link count, size and inode number. Names are
 * printed as GNU ls -b does: a byte that is not printable ASCII as \ooo (octal), and a
 * backslash as \\, so a binary name shows and cannot drive the terminal. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int longfmt, all;

static void mode_string(uint32_t m, char *s)
{
    s[0] = S_ISDIR(m) ? 'd' : (m & S_IFMT) == S_IFLNK ? 'l' : (m & S_IFMT) == S_IFCHR ? 'c' : '-';
    const char *rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        s[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
    s[10] = '\0';
}

/* Prints name, escaped. */
static void put_name(const char *name)
{
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        if (*s == '\\') fputs("\\\\", stdout);
        else if (*s < ' ' || *s >= 0x7f) printf("\\%03o", *s);
        else putchar(*s);
    putchar('\n');
}

/* Prints one entry; path is used for stat, name is what is shown. */
static int show(const char *path, const char *name)
{
    struct stat st;
    if (!longfmt) {
        put_name(name);
        return 0;
    }
    if (stat(path, &st) < 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    char m[11];
    mode_string(st.st_mode, m);
    printf("%s %3u %9lu %6u ", m, st.st_nlink, (unsigned long)st.st_size, st.st_ino);
    put_name(name);
    return 0;
}

/* Insertion sort: directories here are small. */
static void sort(char **v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static int list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char **names = NULL;
    int n = 0, cap = 0, status = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' && !all)
            continue;
        if (n == cap && !(names = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names)))
            return fprintf(stderr, "ls: out of memory\n"), 1;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    sort(names, n);
    for (int i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        status |= show(path, names[i]);
        free(names[i]);
    }
    free(names);
    return status;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'l')
                longfmt = 1;
            else if (*o == 'a')
                all = 1;
            else
                return fprintf(stderr, "usage: ls [-la] [PATH...]\n"), 2;
        }
    if (i == argc)
        return list_dir(".");
    for (; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        } else if (S_ISDIR(st.st_mode)) {
            status |= list_dir(argv[i]);
        } else {
            status |= show(argv[i], argv[i]);
        }
    }
    return status;
}
