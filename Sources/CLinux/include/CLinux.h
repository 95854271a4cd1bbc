/// CLinux: the few Linux calls Swift cannot reach directly.
///
/// Owns: CPU pinning (sched_setaffinity needs _GNU_SOURCE and the CPU_SET macros) and epoll without glibc's
/// packed `struct epoll_event`, accept4 and O_TMPFILE (GNU extensions). Must not: hold state or policy; each function forwards to the kernel.
#ifndef STACKBENCH_CLINUX_H
#define STACKBENCH_CLINUX_H

#include <sys/epoll.h>

/* Pins the calling thread to the `count` CPUs listed; returns 0 or an errno value. */
int sb_pin_current_thread(const int *cpus, int count);

/* Registers, changes or removes (`op` = EPOLL_CTL_ADD/MOD/DEL) `fd` for `events`, with data = fd. */
int sb_epoll_set(int epfd, int op, int fd, unsigned int events);

/* Waits like epoll_pwait2 (nanosecond timeout; negative waits forever), writing each ready fd and its events
   into the two arrays (at most 256). */
int sb_epoll_wait(int epfd, int *fds, unsigned int *events, int max, long long timeout_ns);

/* accept4 with SOCK_CLOEXEC: a new connection's descriptor that no spawned process inherits. */
int sb_accept_cloexec(int fd, void *address, unsigned int *length);

/* An anonymous read-write file in `directory`: O_TMPFILE, else mkostemp + unlink. Returns the fd or -1 (errno). */
int sb_open_anonymous_file(const char *directory);

#endif
