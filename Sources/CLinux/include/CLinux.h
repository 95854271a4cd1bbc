/// CLinux: the few Linux calls Swift cannot reach directly.
///
/// Owns: CPU pinning and affinity (sched_setaffinity needs _GNU_SOURCE and the CPU_SET macros), a thread's own CPU time, and epoll without glibc's
/// packed `struct epoll_event`, accept4 and O_TMPFILE (GNU extensions), robust process-shared mutexes,
/// memfd shared memory, posix_spawn with inherited descriptors, and a unix socket's accept queue (sock_diag). Must not: hold state or policy; each function forwards to the kernel.
#ifndef STACKBENCH_CLINUX_H
#define STACKBENCH_CLINUX_H

#include <sys/epoll.h>
#include <sys/eventfd.h>

/* Pins the calling thread to the `count` CPUs listed; returns 0 or an errno value. */
int sb_pin_current_thread(const int *cpus, int count);

/* Writes the CPUs the calling thread may run on (sched_getaffinity, what taskset set) into `cpus`, at most `max`;
   returns how many, or -1. */
int sb_current_affinity(int *cpus, int max);

/* The calling thread's own user and system CPU time so far, microseconds (getrusage RUSAGE_THREAD). */
void sb_thread_cpu_micros(unsigned long long *user, unsigned long long *system);

/* Registers, changes or removes (`op` = EPOLL_CTL_ADD/MOD/DEL) `fd` for `events`, with data = fd. */
int sb_epoll_set(int epfd, int op, int fd, unsigned int events);

/* Waits like epoll_pwait2 (nanosecond timeout; negative waits forever), writing each ready fd and its events
   into the two arrays (at most 256). */
int sb_epoll_wait(int epfd, int *fds, unsigned int *events, int max, long long timeout_ns);

/* accept4 with SOCK_CLOEXEC: a new connection's descriptor that no spawned process inherits. */
int sb_accept_cloexec(int fd, void *address, unsigned int *length);

/* accept4 with SOCK_CLOEXEC | SOCK_NONBLOCK, for an event loop. */
int sb_accept_nonblocking(int fd, void *address, unsigned int *length);

/* An anonymous read-write file in `directory`: O_TMPFILE, else mkostemp + unlink. Returns the fd or -1 (errno). */
int sb_open_anonymous_file(const char *directory);

/* A process-shared robust mutex placed at `memory` (at least sb_robust_mutex_size() bytes, shared mapping). */
unsigned long sb_robust_mutex_size(void);
int sb_robust_mutex_init(void *memory);
/* 0 when locked; 1 when locked after recovering it from a holder that died (EOWNERDEAD, made consistent);
   otherwise an errno value. */
int sb_robust_mutex_lock(void *memory);
int sb_robust_mutex_unlock(void *memory);
/* Like sb_robust_mutex_lock, but gives up after `milliseconds` with ETIMEDOUT. */
int sb_robust_mutex_timedlock(void *memory, long milliseconds);

/* An anonymous shared-memory file of `size` bytes (memfd), inheritable by spawned children; -1 and errno on error. */
int sb_shared_memory_create(const char *name, unsigned long size);

/* Starts `path` with `argv`/`envp` (NULL-terminated), the descriptors `fds[0..count)` appearing in the child as
   3, 4, ... (inherited; every other descriptor keeps its close-on-exec), default signal handlers and an empty
   signal mask. Returns 0 and the pid, or an errno value. */
int sb_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int count, int *pid);

/* uWSGI's daemonize: fork (the parent exits 0 at once), setsid, fork again, umask(0), stdin from /dev/null, stdout
   and stderr appended to `log` (created 0640). Returns 0 in the daemon, or an errno value (in the original
   process, before anything changed) when the log cannot be opened or fork fails. */
int sb_daemonize(const char *log);

/* Asks the kernel to SIGKILL the calling process when its parent dies; returns 0, or -1 when the parent `parent`
   is already gone (the caller should exit). */
int sb_die_with_parent(int parent);

/* Opens `path` relative to the directory `dirfd` for reading (close-on-exec), refusing any resolution that leaves
   it: `..` above it, absolute paths, symlinks pointing outside (openat2 RESOLVE_BENEATH). -1 and errno on error
   (EXDEV for an escape). Non-blocking, so a FIFO or device never holds the caller. */
int sb_open_beneath(int dirfd, const char *path);

/* The accept queue of the listening unix socket bound to the file with `device` and `inode` (stat's st_dev and
   st_ino of its path), as `ss -xl` reads it (NETLINK_SOCK_DIAG, UNIX_DIAG_RQLEN): connections waiting to be
   accepted, and the backlog they may fill. 0, or -1 when no such listening socket exists or netlink fails. */
int sb_unix_listen_queue(unsigned long long device, unsigned long long inode, unsigned int *queued, unsigned int *backlog);

#endif
