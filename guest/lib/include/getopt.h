/* getopt-lite: short options only ("ab:c" - b takes an argument, attached or next), grouped
 * flags (-nv), "--" ends the options, and so does the first argument that is not one. */
#ifndef ULIB_GETOPT_H
#define ULIB_GETOPT_H

extern char *optarg;     /* the current option's argument */
extern int optind;       /* the next argv index to look at; set to 1 to start over */
extern int opterr;       /* 0: no message on stderr for a bad option */
extern int optopt;       /* the option character that was bad */

/* Returns the next option character, '?' for an unknown option or a missing argument
 * (':' instead of the latter if optstring starts with ':'), -1 after the last option. */
int getopt(int argc, char *const argv[], const char *optstring);

#endif
