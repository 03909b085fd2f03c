/* The console's terminal settings (a subset of POSIX termios; flags in abi/termios.h). The
 * console starts canonical with echo: ICRNL, ISIG | ICANON | ECHO, no output processing
 * (the VMM's terminal turns NL into CR NL). A program that reads keys one by one (a line
 * editor, a pager) sets raw mode and restores what it found:
 *
 *     struct termios saved, raw;
 *     if (tcgetattr(0, &saved) == 0) {
 *         raw = saved; cfmakeraw(&raw); tcsetattr(0, TCSANOW, &raw);
 *         ...
 *         tcsetattr(0, TCSANOW, &saved);
 *     }
 *
 * Both fail with ENOTTY on an fd that is not the console (a pipe, a file). */
#ifndef ULIB_TERMIOS_H
#define ULIB_TERMIOS_H
#include "abi/termios.h"

int tcgetattr(int fd, struct termios *t);
int tcsetattr(int fd, int when, const struct termios *t);
/* Byte by byte, no echo, no signals, no CR translation, no output processing. */
void cfmakeraw(struct termios *t);
/* 1 if fd is the console, else 0 (errno ENOTTY or EBADF). */
int isatty(int fd);

#endif
