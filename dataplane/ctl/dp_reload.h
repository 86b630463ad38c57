/* dp_reload: a reload (SIGHUP, systemd's ExecReload) is a takeover: sxdp starts its successor, the executable now on disk (a package upgrade's), with --takeover on its own config, and that one tells systemd it is the service's main process now. */
/*
 * The successor copies the tables, takes the state and the ports
 * (dp_takeover.h); this process goes on forwarding until it hands over,
 * and goes on as it was if the successor fails (logged), unless its own
 * executable was replaced (an upgrade): then it stops, so that the unit's
 * restart runs the new one rather than the old one running on unseen. Under systemd
 * (NOTIFY_SOCKET, the unit's NotifyAccess=all) the successor says
 * MAINPID= once it forwards, before this one exits: the unit stays active
 * across the reload. Outside systemd, `kill -HUP` does the same.
 */
#ifndef DP_RELOAD_H
#define DP_RELOAD_H

#include <stdbool.h>

/* What a successor is started with: this process's options (@config,
 * @sock, @log_level, @log_format: NULL when not given) and its extra EAL arguments. */
void dp_reload_init(const char *config, const char *sock, const char *log_level, const char *log_format, char **extra,
		    int n_extra);
/* SIGHUP's handler: a reload asked for (async-signal-safe). */
void dp_reload_ask(int sig);
/* Main loop: a reload asked for starts the successor (one at a time); a
 * successor that exited before it took over is said so. 1: stop (that
 * successor was an upgrade's, whose executable replaced this one's: a
 * restart starts it, the outage a restart's), else 0. */
int dp_reload_poll(void);
/* A successor now forwarding: systemd told it is the main process
 * (NOTIFY_SOCKET; nothing without it). 0, or -errno. */
int dp_reload_notify_main(void);

#endif
