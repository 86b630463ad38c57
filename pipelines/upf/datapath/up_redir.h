/* up_redir: a redirect termination's uplink answered in place by the UPF
 * (TS 29.244 5.4.7, 8.2.20 Redirect Information), statelessly: an http
 * entry's TCP as a server whose every request gets "302 Found" to the
 * entry's URL, then the connection closed; a dns entry's DNS queries
 * answered with the redirect server's address. The answer goes down the
 * session's own downlink (upf.dl), as up_ra's Router Advertisement does. */
#ifndef UP_REDIR_H
#define UP_REDIR_H

#include <stdint.h>
#include <rte_mbuf.h>

#include "up_names.h"

/* A redirects entry's params (http, dns): the URL NUL-padded (printable
 * ASCII: the table's str type), the addresses in network order (0, ::: none). */
struct up_redir_http {
	char url[UP_REDIRECT_URL_MAX];
};
struct up_redir_dns {
	uint32_t v4;
	uint8_t v6[16];
};

/* The key of the SYN-ACKs' sequence numbers, drawn once. 0. */
int up_redir_init(void);

/* m (an uplink IP packet at dp_meta's l3_off, whole in its first segment)
 * made the answer of redirects entry action @action / @params, to its
 * sender (addresses, ports and dp_meta's ports swapped):
 *   http: a SYN gets a SYN-ACK (MSS option; its sequence number a keyed
 *     hash of the 4-tuple, so later segments are known as the answer's);
 *     a segment with data at that sequence's next one the 302 (PSH, ACK,
 *     FIN: Location, Content-Length 0, Connection close); a FIN its ACK
 *     (FIN-ACK before the 302); a segment of no such connection or more
 *     data after the 302 a RST.
 *   dns: a query (QR 0, QUERY, one question, no answer or authority) the
 *     response: NOERROR, RD copied, RA set, the question, an A (v4) or
 *     AAAA (v6) record of class IN when the entry has that family, else
 *     none; no additional section (an EDNS OPT is not echoed).
 * 0; -ENOENT: not what the entry answers (or not in one piece: a
 * fragment, IP options, extension headers); -EINVAL: a malformed TCP
 * segment or DNS query; -EALREADY: a segment needing no answer (a bare
 * ACK, a RST); -ENOSPC: no room after the packet. m is as it came unless 0. */
int up_redir_answer(struct rte_mbuf *m, uint16_t action, const void *params);

#endif
