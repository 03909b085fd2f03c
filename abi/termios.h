/* The console's terminal settings, shared by the guest kernel (guest/kernel/consdev.c) and
 * the C library's <termios.h>: a subset of POSIX termios with Linux's flag values. */
#ifndef ABI_TERMIOS_H
#define ABI_TERMIOS_H
#include <stdint.h>

struct termios {
    uint32_t c_iflag;      /* input: ICRNL */
    uint32_t c_oflag;      /* output: OPOST, ONLCR */
    uint32_t c_cflag;      /* kept, not interpreted (the UART's 115200 8N1 is fixed) */
    uint32_t c_lflag;      /* local: ISIG, ICANON, ECHO */
};

#define ICRNL   0000400    /* CR typed arrives as NL */
#define OPOST   0000001    /* output processing (ONLCR) on */
#define ONLCR   0000004    /* NL written goes out as CR NL */
#define ISIG    0000001    /* ^C ^\ ^Z signal the foreground group */
#define ICANON  0000002    /* line by line, with erase, kill, word erase, ^D */
#define ECHO    0000010    /* typed characters are echoed */

/* tcsetattr's when: now, after output drains (the same here), or now discarding input. */
#define TCSANOW    0
#define TCSADRAIN  1
#define TCSAFLUSH  2

#endif
