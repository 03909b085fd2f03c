/* readline: a line editor for the console. While it edits, the console is in raw mode
 * (termios: no echo, no canonical editing, no signals), so it sees every key and draws
 * the line itself; the settings it found are restored before it returns, so the program
 * that runs next reads a canonical, echoing terminal. On stdin that is not the console
 * (a pipe) it reads the same way, without touching any settings.
 *
 * Keys: printable bytes insert at the cursor; Left/Right (and ^B/^F) move; Home/End (and
 * ^A/^E); Backspace/DEL and ^H erase before the cursor, Delete and ^D (on a non-empty
 * line) under it; ^U erases the line, ^W the word before the cursor, ^K to the end; Up/Down
 * (and ^P/^N) walk the history; Tab completes; ^C abandons the line; ^D on an empty line
 * is the end of input. Escape sequences are read whole, CSI (ESC [ parameters final) and
 * SS3 (ESC O final): the ones above act, every other one is dropped, never inserted.
 *
 * The cursor is kept at `pos` on the terminal: every edit redraws from the first changed
 * character to the end and moves back with backspaces (lines longer than the terminal's
 * width wrap and then redraw badly: a known limit). Keys are read from fd 0 one byte per
 * read, past stdin's buffer, as Unix shells do: what is typed ahead after the Enter stays
 * in the kernel for the command that runs next. */
#include <dirent.h>
#include <readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CTRL(c)   ((c) & 0x1f)
#define DEL       0x7f
#define ESC       0x1b
#define HISTORY   32
#define MATCHES   64              /* completions listed at most */

const char *const *readline_commands;

static struct {
    const char *prompt;
    char *line;
    size_t n, len, pos;           /* capacity, length, cursor */
} ed;

static char *history[HISTORY];    /* oldest first */
static int nhistory;

enum { K_NONE = 256, K_UP, K_DOWN, K_LEFT, K_RIGHT, K_HOME, K_END, K_DELETE };

static void back(size_t k)
{
    while (k--) putchar('\b');
}

/* The cursor is at `from`, line[from..] changed and was old_len long: redraws it and
 * puts the cursor at ed.pos. */
static void redraw(size_t from, size_t old_len)
{
    fwrite(ed.line + from, 1, ed.len - from, stdout);
    size_t end = ed.len;
    for (; end < old_len; end++) putchar(' ');
    back(end - ed.pos);
}

static void move_to(size_t pos)
{
    if (pos < ed.pos) back(ed.pos - pos);
    else fwrite(ed.line + ed.pos, 1, pos - ed.pos, stdout);
    ed.pos = pos;
}

/* Replaces line[from..to) with s (k bytes, as much as fits), cursor after it. */
static void replace(size_t from, size_t to, const char *s, size_t k)
{
    size_t old_len = ed.len;
    if (k > ed.n - 1 - (ed.len - (to - from))) k = ed.n - 1 - (ed.len - (to - from));
    move_to(from);
    memmove(ed.line + from + k, ed.line + to, ed.len - to);
    memcpy(ed.line + from, s, k);
    ed.len = ed.len - (to - from) + k;
    ed.pos = from + k;
    redraw(from, old_len);
}

static int byte(void)
{
    unsigned char c;
    fflush(stdout);                           /* the echo shows before the read blocks */
    return read(0, &c, 1) == 1 ? c : EOF;
}

/* The next key: a byte, a K_* for a known escape sequence, K_NONE for an unknown one, or
 * EOF. */
static int key(void)
{
    int c = byte();
    if (c != ESC) return c;
    c = byte();
    if (c == 'O') {                           /* SS3: one final byte */
        c = byte();
        switch (c) {
        case 'A': return K_UP;    case 'B': return K_DOWN;
        case 'C': return K_RIGHT; case 'D': return K_LEFT;
        case 'H': return K_HOME;  case 'F': return K_END;
        }
        return c == EOF ? EOF : K_NONE;
    }
    if (c != '[') return c == EOF ? EOF : K_NONE;   /* ESC x (Alt-x): dropped */
    int param = 0;                            /* CSI: parameters, intermediates, final */
    while ((c = byte()) != EOF && c >= 0x20 && c < 0x40)
        if (c >= '0' && c <= '9') param = param * 10 + (c - '0');
    switch (c) {
    case 'A': return K_UP;    case 'B': return K_DOWN;
    case 'C': return K_RIGHT; case 'D': return K_LEFT;
    case 'H': return K_HOME;  case 'F': return K_END;
    case '~':
        if (param == 1 || param == 7) return K_HOME;
        if (param == 4 || param == 8) return K_END;
        if (param == 3) return K_DELETE;
    }
    return c == EOF ? EOF : K_NONE;
}

static void remember(const char *line)
{
    if (!*line || (nhistory && strcmp(history[nhistory - 1], line) == 0)) return;
    char *copy = strdup(line);
    if (!copy) return;
    if (nhistory == HISTORY) {
        free(history[0]);
        memmove(history, history + 1, (HISTORY - 1) * sizeof *history);
        nhistory--;
    }
    history[nhistory++] = copy;
}

/* Completion: the candidates for the word line[start..pos) that start with it. */
struct matches {
    char *name[MATCHES];
    int isdir[MATCHES];
    int n, more;
};

static void add_match(struct matches *m, const char *name, int isdir)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->name[i], name) == 0) return;
    if (m->n == MATCHES) {
        m->more = 1;
        return;
    }
    if ((m->name[m->n] = strdup(name))) m->isdir[m->n++] = isdir;
}

static void scan_dir(struct matches *m, const char *dir, const char *prefix, size_t k)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, k) == 0 && (e->d_name[0] != '.' || prefix[0] == '.') &&
            strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            add_match(m, e->d_name, e->d_type == DT_DIR);
    closedir(d);
}

/* Lists the candidates under the line, then draws the prompt and line again. */
static void list(const struct matches *m)
{
    putchar('\n');
    for (int i = 0; i < m->n; i++)
        printf("%s%s%s", m->name[i], m->isdir[i] ? "/" : "", i + 1 < m->n ? "  " : "");
    printf("%s\n%s", m->more ? "  ..." : "", ed.prompt ? ed.prompt : "");
    fwrite(ed.line, 1, ed.len, stdout);
    back(ed.len - ed.pos);
}

/* Tab: a command word (the first, or the first after |, ; or &) completes to a command
 * (readline_commands, then /bin), any other to a path. One candidate is inserted whole, with '/' after a directory or ' ' after
 * anything else; several extend the word to what they share, or are listed. */
static void complete(void)
{
    size_t start = ed.pos;
    while (start > 0 && !strchr(" \t|;&<>", ed.line[start - 1])) start--;
    size_t s = start;
    while (s > 0 && (ed.line[s - 1] == ' ' || ed.line[s - 1] == '\t')) s--;   /* a command? */
    int command = s == 0 || strchr("|;&", ed.line[s - 1]);
    char word[256];
    size_t wlen = ed.pos - start;
    if (wlen >= sizeof word) return;
    memcpy(word, ed.line + start, wlen);
    word[wlen] = '\0';
    char *slash = strrchr(word, '/');
    const char *base = slash ? slash + 1 : word;
    size_t k = strlen(base);
    struct matches m = { .n = 0 };
    if (command && !slash) {
        for (const char *const *c = readline_commands; c && *c; c++)
            if (strncmp(*c, word, k) == 0) add_match(&m, *c, 0);
        scan_dir(&m, "/bin", word, k);
    } else {
        char dir[256];
        if (!slash) strcpy(dir, ".");
        else if (slash == word) strcpy(dir, "/");
        else memcpy(dir, word, slash - word), dir[slash - word] = '\0';
        scan_dir(&m, dir, base, k);
    }
    if (m.n == 1) {
        char tail[260];
        snprintf(tail, sizeof tail, "%s%s", m.name[0] + k, m.isdir[0] ? "/" : " ");
        replace(ed.pos, ed.pos, tail, strlen(tail));
    } else if (m.n > 1) {
        size_t common = strlen(m.name[0]);
        for (int i = 1; i < m.n; i++)
            for (size_t j = 0; j < common; j++)
                if (m.name[i][j] != m.name[0][j]) common = j;
        if (common > k) replace(ed.pos, ed.pos, m.name[0] + k, common - k);
        else list(&m);
    }
    for (int i = 0; i < m.n; i++) free(m.name[i]);
}

/* Up/Down: shows history entry h (nhistory: the line being typed, kept in `draft`). */
static void recall(int h, char *draft)
{
    const char *s = h < nhistory ? history[h] : draft;
    replace(0, ed.len, s, strlen(s));
}

/* Edits until Enter (1), ^C (0) or the end of input (-1); the newline is readline's. */
static int edit(void)
{
    int h = nhistory;
    char *draft = calloc(1, ed.n);
    for (;;) {
        int c = key();
        if (c == EOF || (c == CTRL('D') && ed.len == 0)) {
            free(draft);
            return ed.len ? 1 : -1;            /* end of input ends the last line */
        }
        if (c == '\n' || c == '\r') break;
        if (c == CTRL('C')) {
            move_to(ed.len);
            fputs("^C", stdout);
            ed.len = ed.pos = 0;
            free(draft);
            return 0;
        }
        if (c == K_UP || c == CTRL('P') || c == K_DOWN || c == CTRL('N')) {
            int to = h + (c == K_UP || c == CTRL('P') ? -1 : 1);
            if (to < 0 || to > nhistory) continue;
            if (h == nhistory && draft) memcpy(draft, ed.line, ed.len), draft[ed.len] = '\0';
            recall(h = to, draft ? draft : "");
        } else if (c == K_LEFT || c == CTRL('B')) {
            if (ed.pos > 0) move_to(ed.pos - 1);
        } else if (c == K_RIGHT || c == CTRL('F')) {
            if (ed.pos < ed.len) move_to(ed.pos + 1);
        } else if (c == K_HOME || c == CTRL('A')) {
            move_to(0);
        } else if (c == K_END || c == CTRL('E')) {
            move_to(ed.len);
        } else if (c == DEL || c == '\b') {
            if (ed.pos > 0) replace(ed.pos - 1, ed.pos, "", 0);
        } else if (c == K_DELETE || c == CTRL('D')) {
            if (ed.pos < ed.len) replace(ed.pos, ed.pos + 1, "", 0);
        } else if (c == CTRL('U')) {
            replace(0, ed.len, "", 0);
        } else if (c == CTRL('K')) {
            replace(ed.pos, ed.len, "", 0);
        } else if (c == CTRL('W')) {
            size_t from = ed.pos;
            while (from > 0 && ed.line[from - 1] == ' ') from--;
            while (from > 0 && ed.line[from - 1] != ' ') from--;
            replace(from, ed.pos, "", 0);
        } else if (c == '\t') {
            complete();
        } else if (c >= ' ' && c < DEL) {
            char ch = (char)c;
            replace(ed.pos, ed.pos, &ch, 1);
        }
    }
    free(draft);
    move_to(ed.len);
    return 1;
}

int readline(const char *prompt, char *line, size_t n)
{
    struct termios saved, raw;
    int tty = tcgetattr(0, &saved) == 0;
    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        raw.c_oflag = saved.c_oflag;          /* output stays as it was (ONLCR or not) */
        tcsetattr(0, TCSANOW, &raw);
    }
    ed = (typeof(ed)){ prompt, line, n, 0, 0 };
    if (prompt) fputs(prompt, stdout);
    int r = n > 0 ? edit() : -1;
    if (n > 0) line[ed.len] = '\0';
    fflush(stdout);
    if (tty) tcsetattr(0, TCSANOW, &saved);
    if (r < 0) return -1;
    putchar('\n');                            /* after the restore: what follows it is */
    fflush(stdout);                           /* typed to a canonical terminal */
    if (r > 0) remember(line);
    return (int)ed.len;
}
