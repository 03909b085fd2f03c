/* uptime: how long the guest has been up, as hours:minutes:seconds.milliseconds. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    long ms = uptime();
    printf("up %ld:%02ld:%02ld.%03ld\n", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
           ms % 1000);
    return 0;
}
