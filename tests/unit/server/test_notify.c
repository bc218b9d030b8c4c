/*
 * test_notify.c — proves the sd_notify sender (src/server/notify.c) speaks systemd's
 * protocol: one datagram with the exact state text reaches a listening AF_UNIX socket
 * given as a path and as an "@abstract" name, carries this process's PID as kernel
 * credentials (what systemd's NotifyAccess=main checks), RELOADING=1 carries
 * MONOTONIC_USEC; without $NOTIFY_SOCKET nothing is sent, and bad addresses fail with
 * an error instead of sending elsewhere.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgtest.h"
#include "server/notify.h"

/* A datagram socket bound to `name` ("/path" or "@abstract") with SO_PASSCRED on. */
static int listener(const char *name)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t n = strlen(name);
    memcpy(sa.sun_path, name, n);
    if (name[0] == '@') sa.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    if (bind(fd, (struct sockaddr *)&sa, len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Receive one datagram (non-blocking: it must already be there) and its sender PID. */
static ssize_t recv_msg(int fd, char *buf, size_t cap, pid_t *pid)
{
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {buf, cap - 1};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
    *pid = -1;
    if (n < 0) return n;
    buf[n] = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred uc;
            memcpy(&uc, CMSG_DATA(c), sizeof uc);
            *pid = uc.pid;
        }
    return n;
}

CG_TEST(ready_reaches_a_path_socket_with_our_pid)
{
    char path[64], buf[CG_NOTIFY_MSG_MAX + 1];
    pid_t pid;
    snprintf(path, sizeof path, "/tmp/cg-notify-%d.sock", (int)getpid());
    unlink(path);
    int fd = listener(path);
    CG_CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", path, 1);
    CG_CHECK_EQ_INT(cg_notify("READY=1\nSTATUS=serving"), 1);
    CG_CHECK_EQ_INT(recv_msg(fd, buf, sizeof buf, &pid), 22);
    CG_CHECK_STR(buf, "READY=1\nSTATUS=serving");
    CG_CHECK_EQ_INT(pid, getpid());
    CG_CHECK_EQ_INT(cg_notify("STOPPING=1"), 1);
    CG_CHECK(recv_msg(fd, buf, sizeof buf, &pid) > 0);
    CG_CHECK_STR(buf, "STOPPING=1");
    CG_CHECK(recv_msg(fd, buf, sizeof buf, &pid) < 0); /* exactly one datagram per call */
    close(fd);
    unlink(path);
    /* the socket is gone: an error, not silence */
    CG_CHECK_EQ_INT(cg_notify("READY=1"), -ENOENT);
    unsetenv("NOTIFY_SOCKET");
}

CG_TEST(abstract_socket_and_reloading)
{
    char name[64], buf[CG_NOTIFY_MSG_MAX + 1];
    pid_t pid;
    snprintf(name, sizeof name, "@cg-notify-test-%d", (int)getpid());
    int fd = listener(name);
    CG_CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", name, 1);
    CG_CHECK_EQ_INT(cg_notify_reloading(), 1);
    CG_CHECK(recv_msg(fd, buf, sizeof buf, &pid) > 0);
    CG_CHECK(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0);
    CG_CHECK(strtoull(buf + 27, NULL, 10) > 0);
    CG_CHECK_EQ_INT(pid, getpid());
    CG_CHECK_EQ_INT(cg_notify("READY=1"), 1);
    CG_CHECK(recv_msg(fd, buf, sizeof buf, &pid) > 0);
    CG_CHECK_STR(buf, "READY=1");
    close(fd);
    unsetenv("NOTIFY_SOCKET");
}

CG_TEST(no_socket_is_a_no_op_and_bad_addresses_fail)
{
    unsetenv("NOTIFY_SOCKET");
    CG_CHECK_EQ_INT(cg_notify("READY=1"), 0);
    CG_CHECK_EQ_INT(cg_notify_send("", "READY=1"), 0);
    CG_CHECK_EQ_INT(cg_notify_send(NULL, "READY=1"), 0);
    CG_CHECK_EQ_INT(cg_notify_send("vsock:2:1234", "READY=1"), -EAFNOSUPPORT);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[0] = '/';
    longp[sizeof longp - 1] = 0;
    CG_CHECK_EQ_INT(cg_notify_send(longp, "READY=1"), -ENAMETOOLONG);
    char big[CG_NOTIFY_MSG_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CG_CHECK_EQ_INT(cg_notify_send("/tmp/x", big), -EMSGSIZE);
}

CG_TEST_MAIN()
