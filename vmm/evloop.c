/* The VMM's event loop: epoll over terminal input and timerfds, on a thread of its own. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "vmm/evloop.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

void evloop_init(struct evloop *l)
{
    *l = (struct evloop){ .epfd = -1, .stopfd = -1 };
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->stopfd = eventfd(0, EFD_CLOEXEC);
    if (l->epfd < 0 || l->stopfd < 0)
        die("event loop: %s", strerror(errno));
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stopfd, &ev) < 0)
        die("event loop: %s", strerror(errno));
}

int evloop_add(struct evloop *l, int fd, ev_handler fn, void *ctx)
{
    for (int i = 0; i < EV_MAX; i++) {
        struct ev_watch *w = &l->watches[i];
        if (w->fn)
            continue;
        *w = (struct ev_watch){ fd, fn, ctx };
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = w };
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            w->fn = NULL;
            return -1;
        }
        return 0;
    }
    die("event loop: more than %d watched descriptors", EV_MAX);
}

void evloop_remove(struct evloop *l, int fd)
{
    for (int i = 0; i < EV_MAX; i++)
        if (l->watches[i].fn && l->watches[i].fd == fd) {
            epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
            l->watches[i].fn = NULL;
        }
}

static void *loop(void *arg)
{
    struct evloop *l = arg;
    sandbox_enter(SANDBOX_EVLOOP);
    for (;;) {
        struct epoll_event evs[EV_MAX];
        int n = epoll_wait(l->epfd, evs, EV_MAX, -1);
        if (n < 0 && errno != EINTR)
            die("event loop: epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            struct ev_watch *w = evs[i].data.ptr;
            if (!w)
                return NULL;             /* evloop_stop */
            if (w->fn)
                w->fn(w->ctx, w->fd);
        }
    }
}

void evloop_start(struct evloop *l)
{
    int err = pthread_create(&l->thread, NULL, loop, l);
    if (err)
        die("event loop: pthread_create: %s", strerror(err));
}

void evloop_stop(struct evloop *l)
{
    uint64_t one = 1;
    if (write(l->stopfd, &one, sizeof one) != sizeof one)
        die("event loop: %s", strerror(errno));
    pthread_join(l->thread, NULL);
}

int evloop_timer(struct evloop *l, ev_handler fn, void *ctx)
{
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (tfd < 0)
        die("timerfd_create: %s", strerror(errno));
    if (evloop_add(l, tfd, fn, ctx) < 0)
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
