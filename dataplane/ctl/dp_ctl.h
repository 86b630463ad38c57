/* Control socket of sxdp: newline-delimited JSON-RPC 2.0 over a unix stream
 * socket, polled from the main lcore. Plain POSIX + jansson, no EAL, so it
 * can be unit-tested and fuzzed on its own. The server (accept, per-client
 * line framing, fair shares of work, bounded memory, output queues) feeds
 * each line to the JSON-RPC layer (dp_rpc.h).
 */
#ifndef DP_CTL_H
#define DP_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>
#include "dp_rpc.h"

/* The unix stream socket server. */
struct dp_ctl_opts {
	const char *path;		/* e.g. /run/sxdp/sxdp.sock */
	unsigned int mode;		/* 0 means 0660 */
	size_t max_msg;			/* bytes per line without the newline; 0 means 1 MiB */
	unsigned int max_clients;	/* 0 means 64 */
	size_t max_outq;		/* unread response bytes before a client is dropped; 0 means 16 MiB */
	size_t max_mem;			/* buffers of all clients together (input, output,
					 * batches being run) beyond each one's first 64 KiB
					 * in and out; the client that would pass it gets a
					 * memory_limit error and is closed (a batch that
					 * would pass it is refused); 0 means 256 MiB */
	size_t max_reply;		/* bytes of one request's reply; 0: DP_RPC_DEF_MAX_REPLY */
	size_t max_batch;		/* calls in one batch; 0: DP_RPC_DEF_MAX_BATCH */
	unsigned int idle_timeout_ms;	/* a client silent this long is closed; 0 means 600 s */
	unsigned int evict_idle_ms;	/* when full, a newcomer takes the place of the client
					 * idle longest if idle this long; 0 means 10 s */
	unsigned int calls_per_round;	/* calls of one client per dp_ctl_poll; 0 means 32 */
	unsigned int quantum_ms;		/* and milliseconds of work; 0 means 5 (a call that
					 * started always ends: a table write is never cut) */
	unsigned int round_ms;		/* all clients' work in one dp_ctl_poll; those not
					 * served come first next round; 0 means 10 */
	size_t max_decoded;		/* memory of one request once decoded (JSON tree);
					 * over it: too_complex; 0: DP_RPC_DEF_MAX_DECODED */
};

/* Creates the parent dir if missing (0755), unlinks a stale socket (never a
 * live one, never a non-socket), binds, chmods, listens; non-blocking.
 * 0, -EBUSY (already open), -EADDRINUSE (a live server owns path), -EEXIST
 * (path is not a socket), -ENAMETOOLONG, or another -errno. */
int dp_ctl_open(const struct dp_ctl_opts *o);
/* One round: poll() listener+clients (waiting up to timeout_ms, not at all
 * while a client has work left), accept, read, and handle at most
 * calls_per_round calls of each client (requests, or calls of a batch,
 * which then goes on next round), queue responses, write what the sockets
 * take, close clients idle past the timeout (with an idle_timeout error
 * line). Blank lines are skipped, a trailing \r is dropped, and an
 * unterminated last line is still answered when the peer shuts down its
 * write side. Returns the number of calls handled, or -EBADF (not open),
 * -EBUSY (called from inside a method), -errno of poll(). */
int dp_ctl_poll(int timeout_ms);
/* Closes clients and listener, unlinks the path (if it is still ours).
 * Called from inside a method, it takes effect when that poll round ends. */
void dp_ctl_close(void);
unsigned int dp_ctl_clients(void);
/* This server handed over to a successor (dp_takeover.h): it takes no new
 * client and serves none but @keep (the successor's connection); the
 * others are closed at the end of the round. */
void dp_ctl_hand_over(unsigned int keep);
/* Is client @id (dp_ctl_peer.id) still connected? */
bool dp_ctl_has_client(unsigned int id);
/* Moves the listener to @path (rename(2)): whoever connects to @path
 * reaches this server from then on, while the clients of a server whose
 * socket it replaces keep their connections (a restart that takes over,
 * dp_takeover.h). 0 or -errno. */
int dp_ctl_move(const char *path);
/* The client being dispatched holds @name alone: every other client that
 * held it is closed at once, its requests not yet run dropped (a restarted
 * controller's fence: once it is answered, nothing its dead predecessor
 * sent can still change a table). The number closed, or -errno
 * (-ENOTCONN outside a dispatch from the socket, -EINVAL: no name or one
 * of DP_CTL_EXCLUSIVE_MAX characters or more). */
#define DP_CTL_EXCLUSIVE_MAX 32
int dp_ctl_exclusive(const char *name);
/* Bytes the server holds for its clients (input, output, batch replies). */
size_t dp_ctl_memory(void);
/* The server's clock (monotonic milliseconds); tests replace it. */
extern uint64_t (*dp_ctl_clock_ms)(void);

/* Credentials of the client whose request is being dispatched right now
 * (SO_PEERCRED at accept), for methods that audit or authorize; NULL outside
 * a dispatch from the socket. */
struct dp_ctl_peer {
	unsigned int id;	/* the N of "ctl: client N" log lines */
	pid_t pid;
	uid_t uid;
	gid_t gid;
};
const struct dp_ctl_peer *dp_ctl_current_peer(void);
/* Access check at accept, on top of the socket file's mode: return nonzero
 * to admit the peer. NULL (default) admits everyone who can connect. */
extern int (*dp_ctl_allow)(const struct dp_ctl_peer *peer);

/* Log sink; fmt has no trailing newline. Defaults to stderr. */
extern void (*dp_ctl_log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
