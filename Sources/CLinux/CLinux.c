#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <sched.h>
#include <sys/epoll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

int sb_pin_current_thread(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE) CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
}

int sb_epoll_set(int epfd, int op, int fd, unsigned int events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.fd = fd;
    return epoll_ctl(epfd, op, fd, &ev);
}

int sb_epoll_wait(int epfd, int *fds, unsigned int *events, int max, long long timeout_ns) {
    struct epoll_event ready[256];
    struct timespec timeout = { (time_t)(timeout_ns / 1000000000LL), (long)(timeout_ns % 1000000000LL) };
    if (max > 256) max = 256;
    int n = epoll_pwait2(epfd, ready, max, timeout_ns < 0 ? NULL : &timeout, NULL);
    for (int i = 0; i < n; i++) {
        fds[i] = ready[i].data.fd;
        events[i] = ready[i].events;
    }
    return n;
}

int sb_accept_cloexec(int fd, void *address, unsigned int *length) {
    socklen_t size = *length;
    int result = accept4(fd, (struct sockaddr *)address, &size, SOCK_CLOEXEC);
    *length = size;
    return result;
}

int sb_open_anonymous_file(const char *directory) {
    int fd = open(directory, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/stackbench-body.XXXXXX", directory) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) unlink(path);
    return fd;
}
