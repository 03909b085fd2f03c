/* The VMM's event loop: one thread that waits on file descriptors (terminal input,
 * device timers) and calls their handlers. Handlers run on that thread only. */
#ifndef VMM_EVLOOP_H
#define VMM_EVLOOP_H
#include <stdint.h>

typedef void (*ev_handler)(void *ctx, int fd);

/* Watch fd for input (EPOLLIN, level-triggered: fn must drain it); fn runs on the loop
 * thread. Register before evloop_start or from a handler. 0, or -1 with errno (EPERM:
 * fd cannot be polled, e.g. a regular file or /dev/null). */
int evloop_add(int fd, ev_handler fn, void *ctx);
void evloop_remove(int fd);
void evloop_start(void);
/* Stop and join the loop thread. */
void evloop_stop(void);

/* A timerfd on CLOCK_MONOTONIC watched by the loop. */
int evloop_timer(ev_handler fn, void *ctx);
/* Arm at an absolute CLOCK_MONOTONIC deadline in ns (0 disarms). */
void evloop_timer_arm(int tfd, uint64_t deadline_ns);
/* Arm as a periodic timer (0 disarms). */
void evloop_timer_periodic(int tfd, uint64_t period_ns);

#endif
