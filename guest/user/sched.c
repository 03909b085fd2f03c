/* sched: shows or sets the scheduling policy at run time.
 *   sched                                   the policy and its parameters
 *   sched POLICY [q=MS] [S=MS] [account|noaccount] [boost|noboost]
 *   sched tickets PID N                     lottery/stride tickets of a process
 *   sched level PID L                       MLFQ level of a process (0 = top) */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void show(void)
{
    struct schedparams sp;
    if (getsched(&sp) < 0) return;
    printf("policy %s, quantum %d ms", sched_policy_names[sp.policy], sp.quantum_ms);
    if (sp.policy == SCHED_MLFQ)
        printf(" (levels %d/%d/%d ms), accounting %s, boost %s every %d ms",
               sp.level_quantum_ms[0], sp.level_quantum_ms[1], sp.level_quantum_ms[2],
               sp.flags & MLFQ_ACCOUNT ? "on" : "off", sp.flags & MLFQ_BOOST ? "on" : "off",
               sp.boost_ms);
    printf(", %d cpus, %d Hz tick\n", sp.ncpu, sp.tick_hz);
}

static int usage(void)
{
    dprintf(2, "usage: sched [rr|fifo|mlfq|stride|lottery [q=MS] [S=MS] [account|noaccount]"
               " [boost|noboost]] | sched tickets PID N | sched level PID L\n");
    return 2;
}

static int set_policy(int argc, char **argv)
{
    int policy = -1, q = 0, boost = 0, flags;
    struct schedparams sp;
    for (int i = 0; i < SCHED_NPOLICY; i++)
        if (strcmp(argv[1], sched_policy_names[i]) == 0) policy = i;
    if (policy < 0 || getsched(&sp) < 0) return usage();
    flags = sp.flags;
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "q=", 2) == 0) q = atoi(argv[i] + 2);
        else if (strncmp(argv[i], "S=", 2) == 0) boost = atoi(argv[i] + 2);
        else if (strcmp(argv[i], "account") == 0) flags |= MLFQ_ACCOUNT;
        else if (strcmp(argv[i], "noaccount") == 0) flags &= ~MLFQ_ACCOUNT;
        else if (strcmp(argv[i], "boost") == 0) flags |= MLFQ_BOOST;
        else if (strcmp(argv[i], "noboost") == 0) flags &= ~MLFQ_BOOST;
        else return usage();
    }
    int old = setsched(policy, q, flags, boost);
    if (old < 0) {
        dprintf(2, "sched: %s\n", strerror(errno));
        return 1;
    }
    printf("sched: %s -> %s\n", sched_policy_names[old], sched_policy_names[policy]);
    show();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        show();
        return 0;
    }
    if ((strcmp(argv[1], "tickets") == 0 || strcmp(argv[1], "level") == 0) && argc == 4) {
        int pid = atoi(argv[2]), v = atoi(argv[3]);
        int r = argv[1][0] == 't' ? settickets(pid, v) : setlevel(pid, v);
        if (r < 0) {
            dprintf(2, "sched: %s %d: %s\n", argv[1], pid, strerror(errno));
            return 1;
        }
        return 0;
    }
    return set_policy(argc, argv);
}
