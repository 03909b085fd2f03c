/* cfmakeraw and isatty over the tcgetattr/tcsetattr system calls (stubs in syscall.S). */
#include <termios.h>

void cfmakeraw(struct termios *t)
{
    t->c_iflag &= ~ICRNL;
    t->c_oflag &= ~OPOST;
    t->c_lflag &= ~(ISIG | ICANON | ECHO);
}

int isatty(int fd)
{
    struct termios t;
    return tcgetattr(fd, &t) == 0;
}
