/* The VMM's event loop: one thread that waits on file descriptors (terminal input,
 * device timers, the doorbell's eventfds) and calls their handlers. Handlers run on that
 * thread only. */
#ifndef VMM_EVLOOP_H
#define VMM_EVLOOP_H
#include <pthread.h>
#include <stdint.h>

#define EV_MAX 16

typedef void (*ev_handler)(void *ctx, int fd);

struct evloop {
    int epfd, stopfd;               /* -1 until the first evloop_add */
    pthread_t thread;
    struct ev_watch {
        int fd;
        ev_handler fn;
        void *ctx;
    } watches[EV_MAX];
};

/* Before any other call. */
void evloop_init(struct evloop *l);
/* Watch fd for input (EPOLLIN, level-triggered: fn must drain it); fn runs on the loop
 * thread. Register before evloop_start or from a handler. 0, or -1 with errno (EPERM:
 * fd cannot be polled, e.g. a regular file or /dev/null). */
int evloop_add(struct evloop *l, int fd, ev_handler fn, void *ctx);
void evloop_remove(struct evloop *l, int fd);
void evloop_start(struct evloop *l);
/* Stop and join the loop thread. */
void evloop_stop(struct evloop *l);

/* A timerfd on CLOCK_MONOTONIC watched by the loop. */
int evloop_timer(struct evloop *l, ev_handler fn, void *ctx);
/* Arm at an absolute CLOCK_MONOTONIC deadline in ns (0 disarms). */
void evloop_timer_arm(int tfd, uint64_t deadline_ns);
/* Arm as a periodic timer (0 disarms). */
void evloop_timer_periodic(int tfd, uint64_t period_ns);

#endif
