/*
 * notify.h — systemd service notification (sd_notify protocol) without libsystemd.
 *
 * Under a Type=notify unit systemd passes $NOTIFY_SOCKET, an AF_UNIX datagram socket (a
 * path, or "@name" for the abstract namespace). The server sends READY=1 once it serves
 * (listeners open, /ready 200), RELOADING=1 … READY=1 around a SIGHUP reload and
 * STOPPING=1 when the SIGTERM drain starts. Without $NOTIFY_SOCKET every call is a no-op,
 * so the same binary runs under Docker, Kubernetes or a shell unchanged.
 */
#ifndef CG_SERVER_NOTIFY_H
#define CG_SERVER_NOTIFY_H

#define CG_NOTIFY_MSG_MAX 512 /* bytes of one notification ("READY=1\nSTATUS=…") */

/**
 * Send `state` (newline-separated VAR=value assignments) as one datagram to the socket
 * `socket_path` ("/run/…" or "@abstract"). 1 sent, 0 when socket_path is NULL or empty,
 * -errno on failure (-EAFNOSUPPORT for an address form we do not speak, such as vsock).
 */
int cg_notify_send(const char *socket_path, const char *state);

/** cg_notify_send($NOTIFY_SOCKET, state); a failure is logged once, as a warning. */
int cg_notify(const char *state);

/** "RELOADING=1" with MONOTONIC_USEC (what systemd >= 253 expects), then the caller
 *  sends "READY=1" when the reload is done. Same return as cg_notify. */
int cg_notify_reloading(void);

#endif
