/* The VMM's event loop: epoll over terminal input and timerfds, on a thread of its own. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "vmm/evloop.h"
#include "vmm/vm.h"

#define EV_MAX 16

static struct watch {
    int fd;
    ev_handler fn;
    void *ctx;
} watches[EV_MAX];
static int epfd = -1, stopfd = -1;
static pthread_t thread;

static void ensure_epoll(void)
{
    if (epfd >= 0)
        return;
    epfd = epoll_create1(EPOLL_CLOEXEC);
    stopfd = eventfd(0, EFD_CLOEXEC);
    if (epfd < 0 || stopfd < 0)
        die("event loop: %s", strerror(errno));
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, stopfd, &ev) < 0)
        die("event loop: %s", strerror(errno));
}

int evloop_add(int fd, ev_handler fn, void *ctx)
{
    ensure_epoll();
    for (int i = 0; i < EV_MAX; i++) {
        if (watches[i].fn)
            continue;
        watches[i] = (struct watch){ fd, fn, ctx };
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &watches[i] };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            watches[i].fn = NULL;
            return -1;
        }
        return 0;
    }
    die("event loop: more than %d watched descriptors", EV_MAX);
}

void evloop_remove(int fd)
{
    for (int i = 0; i < EV_MAX; i++)
        if (watches[i].fn && watches[i].fd == fd) {
            epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
            watches[i].fn = NULL;
        }
}

static void *loop(void *arg)
{
    for (;;) {
        struct epoll_event evs[EV_MAX];
        int n = epoll_wait(epfd, evs, EV_MAX, -1);
        if (n < 0 && errno != EINTR)
            die("event loop: epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            struct watch *w = evs[i].data.ptr;
            if (!w)
                return NULL;             /* evloop_stop */
            if (w->fn)
                w->fn(w->ctx, w->fd);
        }
    }
}

void evloop_start(void)
{
    ensure_epoll();
    int err = pthread_create(&thread, NULL, loop, NULL);
    if (err)
        die("event loop: pthread_create: %s", strerror(err));
}

void evloop_stop(void)
{
    uint64_t one = 1;
    if (write(stopfd, &one, sizeof one) != sizeof one)
        die("event loop: %s", strerror(errno));
    pthread_join(thread, NULL);
}

int evloop_timer(ev_handler fn, void *ctx)
{
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (tfd < 0)
        die("timerfd_create: %s", strerror(errno));
    if (evloop_add(tfd, fn, ctx) < 0)
        die("event loop: watching a timerfd: %s", strerror(errno));
    return tfd;
}

void evloop_timer_arm(int tfd, uint64_t deadline_ns)
{
    struct itimerspec its = { 0 };
    if (deadline_ns) {
        its.it_value.tv_sec = deadline_ns / 1000000000ULL;
        its.it_value.tv_nsec = deadline_ns % 1000000000ULL;
    }
    if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
        die("timerfd_settime: %s", strerror(errno));
}

void evloop_timer_periodic(int tfd, uint64_t period_ns)
{
    struct itimerspec its = { 0 };
    its.it_interval.tv_sec = period_ns / 1000000000ULL;
    its.it_interval.tv_nsec = period_ns % 1000000000ULL;
    its.it_value = its.it_interval;
    if (timerfd_settime(tfd, 0, &its, NULL) < 0)
        die("timerfd_settime: %s", strerror(errno));
}
