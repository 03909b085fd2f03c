/* ps: the process table with the scheduler's accounting (CPU, CPU time, switches, tickets,
 * MLFQ level, response time); `ps -e` lists the last processes that exited, with their
 * turnaround times. */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *state_name(int s)
{
    static const char *const names[] = { "?", "embryo", "sleep", "ready", "run", "zombie",
                                         "exited" };
    return s >= 0 && s <= PS_EXITED ? names[s] : "?";
}

/* "0,1" for the CPUs in mask. */
static void cpus_used(uint32_t mask, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (int i = 0; i < 32 && k + 4 < n; i++)
        if (mask & (1u << i)) k += (size_t)snprintf(buf + k, n - k, k ? ",%d" : "%d", i);
    if (!k) snprintf(buf, n, "-");
}

static void ms(char *buf, size_t n, int64_t us)
{
    if (us < 0) snprintf(buf, n, "-");
    else snprintf(buf, n, "%ld.%ld", (long)(us / 1000), (long)(us % 1000 / 100));
}

int main(int argc, char **argv)
{
    static struct procinfo pi[64];
    int exited = argc > 1 && strcmp(argv[1], "-e") == 0;
    int n = getprocinfo(pi, 64, exited ? PI_EXITED : PI_LIVE);
    if (n < 0) {
        dprintf(2, "ps: getprocinfo failed\n");
        return 1;
    }
    printf("%5s %5s %-6s %3s %-5s %9s %6s %7s %3s %9s %9s %s\n", "PID", "PPID", "STATE",
           "CPU", "CPUS", "TIME(ms)", "SW", "TICKETS", "LVL", "RESP(ms)", "TURN(ms)",
           "NAME");
    for (int i = 0; i < n; i++) {
        char used[24], t[16], r[16], ta[16];
        cpus_used(pi[i].cpumask, used, sizeof used);
        ms(t, sizeof t, (int64_t)pi[i].cpu_us);
        ms(r, sizeof r, pi[i].response_us);
        ms(ta, sizeof ta, pi[i].turnaround_us);
        printf("%5d %5d %-6s %3d %-5s %9s %6u %7d %3d %9s %9s %s\n", pi[i].pid, pi[i].ppid,
               state_name(pi[i].state), pi[i].cpu, used, t, pi[i].nswitch, pi[i].tickets,
               pi[i].level, r, ta, pi[i].name);
    }
    return 0;
}
