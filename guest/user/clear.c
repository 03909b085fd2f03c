/* clear: clears the terminal (ANSI: cursor home, erase the screen and its scrollback). */
#include <stdio.h>

int main(void)
{
    fputs("\x1b[H\x1b[2J\x1b[3J", stdout);
    return 0;
}
