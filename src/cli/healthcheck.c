/*
 * healthcheck.c — `codegraph healthcheck [--url URL]` for Docker's HEALTHCHECK and
 * scripts: one GET over a plain socket (no curl in slim images), exit 0 only when
 * the answer is 200 and says "healthy". Bounded: HEALTHCHECK_TIMEOUT_MS overall.
 */
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codegraph/base.h"
#include "codegraph/cli.h"

#define HEALTHCHECK_TIMEOUT_MS 3000
#define HEALTHCHECK_RESPONSE_MAX 8192

typedef struct hc_url {
    char host[256], port[8], path[512];
} hc_url;

static int url_parse(const char *url, hc_url *u)
{
    if (strncmp(url, "http://", 7) != 0) return -1;
    const char *h = url + 7, *slash = strchr(h, '/'), *end = slash ? slash : h + strlen(h);
    const char *colon = memchr(h, ':', (size_t)(end - h));
    size_t hl = (size_t)((colon ? colon : end) - h);
    if (hl == 0 || hl >= sizeof u->host) return -1;
    memcpy(u->host, h, hl);
    u->host[hl] = 0;
    snprintf(u->port, sizeof u->port, "%.*s", colon ? (int)(end - colon - 1) : 4,
             colon ? colon + 1 : "8000");
    snprintf(u->path, sizeof u->path, "%s", slash ? slash : "/health");
    return 0;
}

static int wait_fd(int fd, short ev, uint64_t deadline_ns)
{
    uint64_t now = cg_time_mono_ns();
    if (now >= deadline_ns) return -1;
    struct pollfd p = {fd, ev, 0};
    return poll(&p, 1, (int)((deadline_ns - now) / 1000000)) == 1 ? 0 : -1;
}

static int hc_connect(const hc_url *u, uint64_t deadline)
{
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(u->host, u->port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
        wait_fd(fd, POLLOUT, deadline) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* GET the URL; 0 when healthy. Prints the reason otherwise. */
static int hc_check(const hc_url *u)
{
    uint64_t deadline = cg_time_mono_ns() + (uint64_t)HEALTHCHECK_TIMEOUT_MS * 1000000;
    int fd = hc_connect(u, deadline);
    if (fd < 0) {
        fprintf(stderr, "healthcheck: cannot connect to %s:%s\n", u->host, u->port);
        return 1;
    }
    char req[1024], resp[HEALTHCHECK_RESPONSE_MAX + 1];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                     u->path, u->host);
    size_t got = 0;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        got = 0;
    else
        while (got < HEALTHCHECK_RESPONSE_MAX && wait_fd(fd, POLLIN, deadline) == 0) {
            ssize_t r = recv(fd, resp + got, HEALTHCHECK_RESPONSE_MAX - got, 0);
            if (r <= 0) break;
            got += (size_t)r;
        }
    close(fd);
    resp[got] = 0;
    if (strncmp(resp, "HTTP/1.1 200 ", 13) != 0 || !strstr(resp, "\"healthy\"")) {
        char *eol = strstr(resp, "\r\n");
        if (eol) *eol = 0;
        fprintf(stderr, "healthcheck: unhealthy: %s\n", got ? resp : "no answer");
        return 1;
    }
    return 0;
}

int cg_cli_healthcheck(int argc, char **argv)
{
    const char *url = "http://127.0.0.1:8000/health";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            url = argv[++i];
        else {
            fprintf(stderr, "usage: codegraph healthcheck [--url http://HOST:PORT/health]\n");
            return CG_EXIT_USAGE;
        }
    }
    hc_url u;
    if (url_parse(url, &u) != 0) {
        fprintf(stderr, "healthcheck: bad URL '%s' (want http://host:port/path)\n", url);
        return CG_EXIT_USAGE;
    }
    return hc_check(&u) == 0 ? CG_EXIT_OK : CG_EXIT_RUNTIME;
}
