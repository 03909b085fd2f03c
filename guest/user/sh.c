/* sh: the shell, in the xv6 tradition. A command line is split into tokens (quotes,
 * backslashes, $? and $$ handled there), parsed into pipelines separated by ';' or '&',
 * and run: one child per command, joined by pipes. At the console each pipeline gets its
 * own process group, so that Ctrl-C (which signals the foreground group) stops the job and
 * not the shell. Built in: cd, exit [n], help, pwd, wait. Names without a '/' are looked up
 * in /bin. At the console the line editor (readline) has history and Tab completion.
 *
 *   sh                  reads commands from the console with the prompt "$ "
 *   sh -c STRING        runs STRING and exits with the status of its last command */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <readline.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LINE_MAX   1024
#define MAXTOKENS  128
#define MAXARGS    32
#define MAXCMDS    32          /* commands in one line, over all its pipelines */
#define MAXJOBS    16          /* background jobs tracked for their "Done" message */
#define STATUS_MARK '\1'        /* stands for $? in a word until the command runs */

enum { T_WORD, T_PIPE, T_SEMI, T_AMP, T_IN, T_OUT, T_APPEND, T_END };

struct token {
    int kind;
    char *word;                 /* T_WORD: the text, quotes removed */
};

struct cmd {
    char *argv[MAXARGS + 1];
    int argc;
    char *in, *out;             /* redirections, or NULL */
    int append;                 /* out was given with >> */
};

struct pipeline {
    int first, n;               /* cmds[first .. first + n - 1] */
    int background;
};

static struct cmd cmds[MAXCMDS];
static struct pipeline pipelines[MAXCMDS + 1];   /* + 1: the empty one after the last */
static char pool[LINE_MAX * 2];         /* the words of the current line */
static size_t pool_used;
static char xpool[LINE_MAX * 2];        /* the words after $? expansion, per pipeline */
static size_t xpool_used;
static int last_status;                 /* $? */
static int interactive;                 /* reading the console, not -c */
static int bg_jobs[MAXJOBS];            /* pids of background jobs' last commands */

/* Appends one byte to the word pool; 0 if the pool is full. */
static int pool_put(char c)
{
    if (pool_used == sizeof pool) return 0;
    pool[pool_used++] = c;
    return 1;
}

/* Appends the decimal value v (for $? and $$). */
static int pool_number(int v)
{
    char num[16];
    snprintf(num, sizeof num, "%d", v);
    for (char *p = num; *p; p++)
        if (!pool_put(*p)) return 0;
    return 1;
}

/* Copies the word starting at s into the pool: quotes removed, backslash escapes applied,
 * $$ expanded and $? marked for expand_status (not inside '...'). Returns where the word ends, or NULL after
 * reporting an unterminated quote or a line too long. */
static const char *lex_word(const char *s)
{
    char quote = 0;
    int ok = 1;
    for (; *s && ok; s++) {
        if (quote == '\'') {
            if (*s == '\'') quote = 0;
            else ok = pool_put(*s);
        } else if (*s == '\\' && s[1] && (!quote || strchr("\"\\$", s[1]))) {
            ok = pool_put(*++s);
        } else if (*s == '$' && s[1] == '?') {
            ok = pool_put(STATUS_MARK), s++;
        } else if (*s == '$' && s[1] == '$') {
            ok = pool_number(getpid()), s++;
        } else if (quote == '"') {
            if (*s == '"') quote = 0;
            else ok = pool_put(*s);
        } else if (*s == '\'' || *s == '"') {
            quote = *s;
        } else if (strchr(" \t|;&<>", *s)) {
            break;
        } else {
            ok = pool_put(*s);
        }
    }
    if (ok && quote) {
        fprintf(stderr, "sh: unterminated %c quote\n", quote);
        return NULL;
    }
    if (!ok || !pool_put('\0')) {
        fprintf(stderr, "sh: line too long\n");
        return NULL;
    }
    return s;
}

/* Splits line into tokens ending with T_END; returns 0, or -1 after reporting an error.
 * A '#' at the start of a word comments out the rest of the line. */
static int lex(const char *s, struct token *t)
{
    pool_used = 0;
    for (int n = 0; n < MAXTOKENS; n++, t++) {
        while (*s == ' ' || *s == '\t') s++;
        t->word = NULL;
        if (!*s || *s == '#') {
            t->kind = T_END;
            return 0;
        }
        switch (*s) {
        case '|': t->kind = T_PIPE; s++; continue;
        case ';': t->kind = T_SEMI; s++; continue;
        case '&': t->kind = T_AMP; s++; continue;
        case '<': t->kind = T_IN; s++; continue;
        case '>':
            t->kind = s[1] == '>' ? T_APPEND : T_OUT;
            s += t->kind == T_APPEND ? 2 : 1;
            continue;
        }
        t->kind = T_WORD;
        t->word = pool + pool_used;
        if (!(s = lex_word(s))) return -1;
    }
    fprintf(stderr, "sh: too many words\n");
    return -1;
}

static const char *token_name(const struct token *t)
{
    static const char *names[] = { "word", "|", ";", "&", "<", ">", ">>", "newline" };
    return names[t->kind];
}

static int syntax_error(const struct token *t)
{
    fprintf(stderr, "sh: syntax error near %s\n", token_name(t));
    return -1;
}

/* Parses tokens into pipelines[] over cmds[]; returns how many, or -1 after reporting a
 * syntax error. Grammar: line = pipeline { (';' | '&') pipeline } [';' | '&'];
 * pipeline = command { '|' command }; command = { word | redirection }. */
static int parse(struct token *t)
{
    int np = 0, nc = 0;
    struct cmd *c = NULL;                  /* the command being filled in */
    pipelines[0].n = 0;
    for (;; t++) {
        if (t->kind == T_WORD || t->kind == T_IN || t->kind == T_OUT || t->kind == T_APPEND) {
            if (!c) {
                if (nc == MAXCMDS) return fprintf(stderr, "sh: too many commands\n"), -1;
                c = &cmds[nc++];
                memset(c, 0, sizeof *c);
                if (pipelines[np].n++ == 0) pipelines[np].first = nc - 1;
            }
            if (t->kind == T_WORD) {
                if (c->argc == MAXARGS) return fprintf(stderr, "sh: too many arguments\n"), -1;
                c->argv[c->argc++] = t->word;
                continue;
            }
            if (t[1].kind != T_WORD) return syntax_error(t + 1);
            if (t->kind == T_IN) c->in = t[1].word;
            else c->out = t[1].word, c->append = t->kind == T_APPEND;
            t++;
            continue;
        }
        /* A separator ends the command, which must have a name; only the end of the line
         * may follow another separator (and not a '|'). */
        if (c ? c->argc == 0 : t->kind != T_END || pipelines[np].n > 0)
            return syntax_error(t);
        c = NULL;
        if (t->kind == T_PIPE) continue;
        if (pipelines[np].n > 0) pipelines[np++].background = t->kind == T_AMP;
        if (t->kind == T_END) return np;
        pipelines[np].n = 0;
    }
}

/* Opens path for a redirection; returns the fd, or -1 after a message. */
static int open_file(const char *path, int for_write, int append)
{
    int flags = !for_write ? O_RDONLY : O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
    int fd = open(path, flags, 0644);
    if (fd < 0)
        fprintf(stderr, "sh: %s: %s\n", path, strerror(errno));
    return fd;
}

/* In a child: applies c's redirections to fds 0 and 1; -1 if one fails. */
static int redirect(const struct cmd *c)
{
    const char *paths[2] = { c->in, c->out };
    for (int fd = 0; fd < 2; fd++) {
        if (!paths[fd]) continue;
        int f = open_file(paths[fd], fd == 1, c->append);
        if (f < 0) return -1;
        if (f != fd && (dup2(f, fd) < 0 || close(f) < 0)) return -1;
    }
    return 0;
}

/* Prints how a child ended if a signal ended it (Ctrl-C only gets a newline, like bash). */
static void report(int status)
{
    int sig = status - 128;
    if (sig <= 0 || sig >= NSIG || sig == SIGPIPE) return;
    if (sig == SIGINT) fprintf(stderr, "\n");
    else fprintf(stderr, "%s\n", strsignal(sig));
}

/* Collects background jobs that have finished (all of them, waiting, if block is set),
 * announcing the ones the shell started: "[pid] Done" or how they ended. */
static void reap(int block)
{
    int status, pid;
    while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
        for (int i = 0; i < MAXJOBS; i++) {
            if (bg_jobs[i] != pid) continue;
            bg_jobs[i] = 0;
            if (status == 0) printf("[%d] Done\n", pid);
            else if (status > 128 && status - 128 < NSIG)
                printf("[%d] %s\n", pid, strsignal(status - 128));
            else printf("[%d] Exit %d\n", pid, status);
        }
    }
}

static void remember_job(int pid)
{
    for (int i = 0; i < MAXJOBS; i++)
        if (bg_jobs[i] == 0) {
            bg_jobs[i] = pid;
            return;
        }
}

/* exit [n]: leaves the shell with status n, or $? without one. */
static int builtin_exit(struct cmd *c)
{
    int status = last_status;
    if (c->argc > 1) {
        char *end;
        status = (int)strtol(c->argv[1], &end, 10);
        if (*end || end == c->argv[1]) {
            fprintf(stderr, "sh: exit: %s: numeric argument required\n", c->argv[1]);
            status = 2;
        }
    }
    exit(status & 0xff);
}

/* cd [DIR]: changes the shell's directory (to / without DIR). */
static int builtin_cd(struct cmd *c)
{
    const char *dir = c->argc > 1 ? c->argv[1] : "/";
    if (chdir(dir) == 0) return 0;
    fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
    return 1;
}

/* pwd: the current directory. */
static int builtin_pwd(struct cmd *c)
{
    char dir[256];
    if (getcwd(dir, sizeof dir)) return printf("%s\n", dir), 0;
    fprintf(stderr, "sh: pwd: %s\n", strerror(errno));
    return 1;
}

static const char *const builtins[] = { "cd", "exit", "help", "pwd", "wait", NULL };

/* help: the built-ins, then the programs in /bin in columns. */
static int builtin_help(struct cmd *c)
{
    printf("built in: cd [dir], exit [n], help, pwd, wait\n"
           "syntax: a | b, a ; b, a &, < f, > f, >> f, '...', \"...\", $?, $$, # comment\n"
           "keys: Up/Down history, Left/Right/Home/End move, Tab completes, ^C ^U ^W ^D\n");
    DIR *d = opendir("/bin");
    if (!d) {
        printf("programs: /bin cannot be listed (%s)\n", strerror(errno));
        return 0;
    }
    static char names[128][64];
    static char *sorted[128];
    int n = 0;
    struct dirent *e;
    while (n < 128 && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            strncpy(names[n], e->d_name, 63);
            int i = n++;
            for (; i > 0 && strcmp(sorted[i - 1], names[n - 1]) > 0; i--)   /* insertion sort */
                sorted[i] = sorted[i - 1];
            sorted[i] = names[n - 1];
        }
    closedir(d);
    printf("programs in /bin:\n");
    for (int i = 0; i < n; i++)
        printf(i % 6 == 5 || i == n - 1 ? "%s\n" : "%-13s", sorted[i]);
    return 0;
}

/* Runs c as a built-in if it is one; returns its status, or -1 if c is not built in. */
static int builtin(struct cmd *c)
{
    if (strcmp(c->argv[0], "exit") == 0) return builtin_exit(c);
    if (strcmp(c->argv[0], "cd") == 0) return builtin_cd(c);
    if (strcmp(c->argv[0], "pwd") == 0) return builtin_pwd(c);
    if (strcmp(c->argv[0], "help") == 0) return builtin_help(c);
    if (strcmp(c->argv[0], "wait") == 0) {
        reap(1);
        return 0;
    }
    return -1;
}

/* In a child: becomes command c (argv[0] found in /bin if it has no '/'); never returns. */
static void exec_cmd(struct cmd *c)
{
    char path[256];
    if (redirect(c) < 0) _exit(1);
    int status = builtin(c);
    if (status >= 0) exit(status);
    const char *name = c->argv[0];
    if (!strchr(name, '/')) {
        snprintf(path, sizeof path, "/bin/%s", name);
        name = path;
    }
    exec(name, c->argv);
    fprintf(stderr, "sh: %s: %s\n", c->argv[0], errno == ENOENT ? "not found" : strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

/* Job control, in an interactive shell only: makes pgid the console's foreground group
 * (Ctrl-C signals it), or none with 0, so that Ctrl-C at the prompt is safe. A `sh -c`
 * shell keeps its children in its own group, so Ctrl-C stops the script as a whole.
 * A job's first child takes the foreground itself, before it execs: if the shell did it
 * after fork, it could undo what the child (say, another shell) had already set. */
static void foreground(int pgid)
{
    if (interactive) setfg(pgid);
}

/* Replaces the $? marks in *word with the status of the previous pipeline: expanded when
 * the command runs, not when the line is read, so "false; echo $?" prints 1. Returns -1
 * if the expansion does not fit. */
static int expand_status(char **word)
{
    if (!*word || !strchr(*word, STATUS_MARK)) return 0;
    char *out = xpool + xpool_used;
    for (const char *s = *word; *s; s++) {
        size_t room = sizeof xpool - xpool_used;
        int n = *s == STATUS_MARK ? snprintf(xpool + xpool_used, room, "%d", last_status)
                                  : snprintf(xpool + xpool_used, room, "%c", *s);
        if ((size_t)n >= room) return fprintf(stderr, "sh: line too long\n"), -1;
        xpool_used += (size_t)n;
    }
    xpool_used++;                           /* keep the NUL snprintf wrote */
    *word = out;
    return 0;
}

/* Expands $? in every word of the commands of p; -1 on failure. */
static int expand_pipeline(struct pipeline *p)
{
    xpool_used = 0;
    for (int i = p->first; i < p->first + p->n; i++) {
        struct cmd *c = &cmds[i];
        for (int k = 0; k < c->argc; k++)
            if (expand_status(&c->argv[k]) < 0) return -1;
        if (expand_status(&c->in) < 0 || expand_status(&c->out) < 0) return -1;
    }
    return 0;
}

/* Starts the commands of p joined by pipes, all in one new process group; waits for them
 * unless p runs in the background. Returns the status of the last command. */
static int run_pipeline(struct pipeline *p)
{
    int pids[MAXCMDS], started = 0, in = -1, pgid = 0, status = 0;
    if (expand_pipeline(p) < 0) return 2;
    if (p->n == 1 && !p->background && (status = builtin(&cmds[p->first])) >= 0)
        return status;
    fflush(NULL);                          /* a child must not inherit unwritten output */
    for (int i = 0; i < p->n; i++) {
        int fds[2] = { -1, -1 };
        if (i + 1 < p->n && pipe(fds) < 0) {
            perror("sh: pipe");
            break;
        }
        int pid = fork();
        if (pid == 0) {
            if (interactive) setpgid(0, pgid);
            if (i == 0 && !p->background) foreground(getpid());
            if (in >= 0) dup2(in, 0), close(in);
            if (fds[1] >= 0) dup2(fds[1], 1), close(fds[1]), close(fds[0]);
            exec_cmd(&cmds[p->first + i]);
        }
        if (pid < 0) perror("sh: fork");
        if (pid > 0) {
            pgid = pgid ? pgid : pid;
            if (interactive) setpgid(pid, pgid);      /* either call may run first */
            pids[started++] = pid;
        }
        if (in >= 0) close(in);
        if (fds[1] >= 0) close(fds[1]);
        in = fds[0];
        if (pid < 0) break;
    }
    if (in >= 0) close(in);
    if (started < p->n) status = 1;
    if (p->background) {
        if (started) printf("[%d]\n", pids[started - 1]), remember_job(pids[started - 1]);
        return status;
    }
    for (int i = 0; i < started; i++) {
        int st = 0;
        while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
            ;
        report(st);
        if (i == started - 1 && started == p->n) status = st;
    }
    foreground(0);
    return status;
}

/* Runs one command line; $? becomes the status of its last foreground pipeline. */
static void run_line(const char *line)
{
    static struct token tokens[MAXTOKENS];
    int n;
    if (lex(line, tokens) < 0 || (n = parse(tokens)) < 0) {
        last_status = 2;
        return;
    }
    for (int i = 0; i < n; i++)
        last_status = run_pipeline(&pipelines[i]);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
        run_line(argv[2]);
        exit(last_status);
    }
    if (argc > 1) {
        fprintf(stderr, "usage: sh [-c STRING]\n");
        return 2;
    }
    interactive = 1;
    readline_commands = builtins;
    foreground(0);
    static char line[LINE_MAX];
    for (;;) {
        reap(0);
        if (readline("$ ", line, sizeof line) < 0) break;
        run_line(line);
    }
    printf("\n");
    exit(last_status);
}
