#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <stdatomic.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sched.h>
#include <sys/epoll.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>
#include <sys/resource.h>

int sb_pin_current_thread(const int *cpus, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE) CPU_SET(cpus[i], &set);
    }
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
}

int sb_current_affinity(int *cpus, int max) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int count = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && count < max; cpu++) {
        if (CPU_ISSET(cpu, &set)) cpus[count++] = cpu;
    }
    return count;
}

void sb_thread_cpu_micros(unsigned long long *user, unsigned long long *system) {
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) != 0) { *user = 0; *system = 0; return; }
    *user = (unsigned long long)usage.ru_utime.tv_sec * 1000000ULL + (unsigned long long)usage.ru_utime.tv_usec;
    *system = (unsigned long long)usage.ru_stime.tv_sec * 1000000ULL + (unsigned long long)usage.ru_stime.tv_usec;
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
    /* epoll_pwait2 (Linux 5.11) sleeps to the nanosecond; where the kernel (or valgrind) lacks it, epoll_wait
       with the timeout rounded up to a millisecond, so that a short wait never becomes a busy loop. */
    static _Atomic int lacks_pwait2 = 0;
    int n = -1;
    if (!lacks_pwait2) {
        n = epoll_pwait2(epfd, ready, max, timeout_ns < 0 ? NULL : &timeout, NULL);
        if (n < 0 && errno == ENOSYS) lacks_pwait2 = 1;
    }
    if (lacks_pwait2) {
        long long ms = timeout_ns < 0 ? -1 : (timeout_ns + 999999LL) / 1000000LL;
        n = epoll_wait(epfd, ready, max, ms > 2147483647LL ? 2147483647 : (int)ms);
    }
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

int sb_accept_nonblocking(int fd, void *address, unsigned int *length) {
    socklen_t size = *length;
    int result = accept4(fd, (struct sockaddr *)address, &size, SOCK_CLOEXEC | SOCK_NONBLOCK);
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

unsigned long sb_robust_mutex_size(void) { return sizeof(pthread_mutex_t); }

int sb_robust_mutex_init(void *memory) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    int result = pthread_mutex_init((pthread_mutex_t *)memory, &attributes);
    pthread_mutexattr_destroy(&attributes);
    return result;
}

int sb_robust_mutex_lock(void *memory) {
    int result = pthread_mutex_lock((pthread_mutex_t *)memory);
    if (result == EOWNERDEAD) {
        pthread_mutex_consistent((pthread_mutex_t *)memory);
        return 1;
    }
    return result;
}

int sb_robust_mutex_timedlock(void *memory, long milliseconds) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += milliseconds / 1000;
    deadline.tv_nsec += (milliseconds % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
    }
    int result = pthread_mutex_timedlock((pthread_mutex_t *)memory, &deadline);
    if (result == EOWNERDEAD) {
        pthread_mutex_consistent((pthread_mutex_t *)memory);
        return 1;
    }
    return result;
}

int sb_robust_mutex_unlock(void *memory) { return pthread_mutex_unlock((pthread_mutex_t *)memory); }

int sb_shared_memory_create(const char *name, unsigned long size) {
    int fd = memfd_create(name, 0);
    if (fd < 0) return -1;
    if (ftruncate(fd, (off_t)size) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int sb_spawn(const char *path, char *const argv[], char *const envp[], const int *fds, int count, int *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    /* Move each inherited descriptor out of the way first, so that fds[i] == 3 + j for another j cannot clash. */
    int staged[64];
    if (count > 64) return E2BIG;
    for (int i = 0; i < count; i++) {
        staged[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 100);
        if (staged[i] < 0) return errno;
    }
    for (int i = 0; i < count; i++) posix_spawn_file_actions_adddup2(&actions, staged[i], 3 + i);
    sigset_t empty, all;
    sigemptyset(&empty);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t child;
    int result = posix_spawn(&child, path, &actions, &attributes, argv, envp);
    for (int i = 0; i < count; i++) close(staged[i]);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (result == 0) *pid = child;
    return result;
}

int sb_daemonize(const char *log) {
    int out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (out < 0) return errno;
    pid_t pid = fork();
    if (pid < 0) return errno;
    if (pid > 0) _exit(0);
    setsid();
    pid = fork();
    if (pid < 0) _exit(1);
    if (pid > 0) _exit(0);
    umask(0);
    int in = open("/dev/null", O_RDONLY);
    if (in >= 0) { dup2(in, 0); close(in); }
    dup2(out, 1);
    dup2(out, 2);
    close(out);
    return 0;
}

int sb_die_with_parent(int parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    return getppid() == parent ? 0 : -1;
}

int sb_open_beneath(int dirfd, const char *path) {
    struct open_how how = {0};
    how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  /* a FIFO opens at once, and is then refused as not a regular file */
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/sysmacros.h>

int sb_unix_listen_queue(unsigned long long device, unsigned long long inode, unsigned int *queued, unsigned int *backlog) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -1;
    struct {
        struct nlmsghdr header;
        struct unix_diag_req request;
    } message = {
        .header = { .nlmsg_len = sizeof(message), .nlmsg_type = SOCK_DIAG_BY_FAMILY, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
        .request = { .sdiag_family = AF_UNIX, .udiag_states = 1 << 10 /* TCP_LISTEN */, .udiag_show = UDIAG_SHOW_VFS | UDIAG_SHOW_RQLEN },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, &message, sizeof(message), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) { close(fd); return -1; }
    long buffer[8192 / sizeof(long)];
    int found = 0, done = 0;
    while (!done) {
        ssize_t length = recv(fd, buffer, sizeof(buffer), 0);
        if (length <= 0) break;
        for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, length); header = NLMSG_NEXT(header, length)) {
            if (header->nlmsg_type == NLMSG_DONE || header->nlmsg_type == NLMSG_ERROR) { done = 1; break; }
            struct unix_diag_msg *socket_message = NLMSG_DATA(header);
            int attributes_length = header->nlmsg_len - NLMSG_LENGTH(sizeof(*socket_message));
            struct unix_diag_vfs *vfs = NULL;
            struct unix_diag_rqlen *rqlen = NULL;
            for (struct nlattr *attribute = (struct nlattr *)(socket_message + 1); attributes_length >= (int)sizeof(struct nlattr)
                 && attribute->nla_len >= sizeof(struct nlattr) && attribute->nla_len <= attributes_length;
                 attributes_length -= NLA_ALIGN(attribute->nla_len), attribute = (struct nlattr *)((char *)attribute + NLA_ALIGN(attribute->nla_len))) {
                if (attribute->nla_type == UNIX_DIAG_VFS) vfs = (struct unix_diag_vfs *)(attribute + 1);
                if (attribute->nla_type == UNIX_DIAG_RQLEN) rqlen = (struct unix_diag_rqlen *)(attribute + 1);
            }
            if (!found && vfs && rqlen && vfs->udiag_vfs_ino == inode
                && vfs->udiag_vfs_dev >> 20 == major(device) && (vfs->udiag_vfs_dev & 0xfffff) == minor(device)) {
                *queued = rqlen->udiag_rqueue;
                *backlog = rqlen->udiag_wqueue;
                found = 1;
            }
        }
    }
    close(fd);
    return found ? 0 : -1;
}
