/* What the UPF tells its control side: downlink data notifications, usage
 * reports and error indications received, kept on the main lcore in a
 * bounded ring and read with upf.events (a cursor: the next sequence
 * number; what the ring overwrote is counted as lost). */
#ifndef UP_EVENT_H
#define UP_EVENT_H

#include <stdint.h>

enum up_event_type { UP_EV_DDN, UP_EV_USAGE, UP_EV_ERROR_IND, UP_EV_END_MARKER, UP_EV_PATH };

struct up_event {
	uint64_t seq;
	enum up_event_type type;
	uint32_t session;
	uint16_t app;
	uint8_t uplink;
	uint32_t urr;
	uint64_t packets, bytes;     /* usage */
	uint32_t teid;               /* error indication: the TEID the peer lost */
	uint8_t peer_len;            /* error indication: its sender (4 or 16); path: its far end */
	uint8_t peer[16];
	uint8_t path;                /* path: UP_EV_PATH_* */
};
enum { UP_EV_PATH_DOWN = 1, UP_EV_PATH_UP, UP_EV_PATH_RESTARTED };

/* Main lcore. */
int up_event_init(void);
void up_event_post(struct up_event *ev);   /* fills seq */

#endif
