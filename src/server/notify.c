/*
 * notify.c — the sd_notify datagram protocol, spoken directly (no libsystemd): see
 * notify.h. The message is a datagram on a fresh AF_UNIX SOCK_DGRAM socket; the kernel
 * attaches our credentials, which systemd checks against the unit's main PID
 * (NotifyAccess=main), so it must be sent by this process — any thread will do.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "codegraph/log.h"
#include "server/notify.h"

int cg_notify_send(const char *socket_path, const char *state)
{
    struct sockaddr_un sa;
    if (!socket_path || !*socket_path) return 0;
    size_t n = strlen(socket_path), len = strlen(state);
    if (socket_path[0] != '/' && socket_path[0] != '@') return -EAFNOSUPPORT;
    if (n >= sizeof sa.sun_path || n < 2) return -ENAMETOOLONG;
    if (len > CG_NOTIFY_MSG_MAX) return -EMSGSIZE;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, socket_path, n);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = 0; /* abstract: no NUL terminator counted */
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ssize_t w = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
    int rc = w < 0 ? -errno : (size_t)w == len ? 1 : -EMSGSIZE;
    close(fd);
    return rc;
}

int cg_notify(const char *state)
{
    static _Atomic int warned;
    int rc = cg_notify_send(getenv("NOTIFY_SOCKET"), state);
    if (rc < 0 && !atomic_exchange(&warned, 1))
        cg_log_warn("server", "cannot notify systemd", "socket", getenv("NOTIFY_SOCKET"), "error",
                    strerror(-rc));
    return rc;
}

int cg_notify_reloading(void)
{
    struct timespec ts;
    char msg[CG_NOTIFY_MSG_MAX];
    clock_gettime(CLOCK_MONOTONIC, &ts);
    unsigned long long usec =
        (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000ULL;
    snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration",
             usec);
    return cg_notify(msg);
}
