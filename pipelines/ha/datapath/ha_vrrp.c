/* SPDX-License-Identifier: BSD-3-Clause */
/* ha_vrrp: VRRPv3 (RFC 5798) for one virtual router: its checks, its election, its advertisements (see ha_vrrp.h). */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ha_vrrp.h"

#define NS_CS 10000000ull   /* ns per centisecond */
#define MS    1000000ull

const char *const ha_vrrp_state_name[3] = { "init", "backup", "master" };
const char *const ha_vrrp_bad_name[HA_VRRP_BAD_N] = {
	"ok", "ttl", "length", "version", "type", "checksum", "interval", "source", "addresses",
};

static uint32_t
alen(bool v6)
{
	return v6 ? 16 : 4;
}

/* An address of the family at @a: IPv4's as its 4 bytes, IPv6's as 16. */
static const uint8_t *
abytes(const uint8_t *a, bool v6)
{
	return v6 ? a : a + 12;
}

uint32_t
ha_vrrp_msg_len(const struct ha_vrrp_cfg *c)
{
	return HA_VRRP_HLEN + c->n_addr * alen(c->v6);
}

/* The checksum of @len bytes of message with 5.2.8's pseudo-header
 * (RFC 2460 8.1's for IPv6, RFC 768's layout for IPv4), next header 112.
 * @src and @dst: 16 bytes, IPv4 mapped. 0 over a message whose checksum
 * field is right. */
static uint16_t
cksum(const void *msg, uint32_t len, bool v6, const uint8_t *src, const uint8_t *dst)
{
	uint32_t sum, tail[2] = { rte_cpu_to_be_32(len), rte_cpu_to_be_32(HA_VRRP_PROTO) };

	sum = rte_raw_cksum(abytes(src, v6), alen(v6)) + rte_raw_cksum(abytes(dst, v6), alen(v6));
	/* IPv4's pseudo-header: zero, protocol, length (16 bits); IPv6's:
	 * length (32 bits), zeros, next header: the same sum */
	sum += rte_raw_cksum(tail, sizeof(tail));
	sum += rte_raw_cksum(msg, len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint64_t
adv_ns(uint16_t cs)
{
	return cs * NS_CS;
}

uint64_t
ha_vrrp_skew_ns(const struct ha_vrrp *v)
{
	/* 6.1: ((256 - Priority) * Master_Adver_Interval) / 256 */
	return (256u - v->cfg.prio) * adv_ns(v->master_adv_cs) / 256u;
}

uint64_t
ha_vrrp_down_ns(const struct ha_vrrp *v)
{
	return 3 * adv_ns(v->master_adv_cs) + ha_vrrp_skew_ns(v);
}

void
ha_vrrp_mac(const struct ha_vrrp_cfg *c, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = c->v6 ? 0x02 : 0x01;
	mac[5] = c->vrid;
}

static void
become(struct ha_vrrp *v, uint8_t state, uint64_t now)
{
	if (v->state == state)
		return;
	v->state = state;
	v->changed = now;
	if (state == HA_VRRP_MASTER) {
		v->st.masters++;
		v->adver_at = now;   /* at once: it tells the LAN (and the caller its ARPs) */
		v->down_at = 0;
	} else if (state == HA_VRRP_BACKUP) {
		v->st.backups++;
		v->adver_at = 0;
		v->down_at = now + ha_vrrp_down_ns(v);
		v->down_why = HA_VRRP_DOWN_SILENT;
		v->hastened = false;
	} else {
		v->adver_at = v->down_at = 0;
	}
}

void
ha_vrrp_start(struct ha_vrrp *v, const struct ha_vrrp_cfg *c, uint64_t now)
{
	memset(v, 0, sizeof(*v));
	v->cfg = *c;
	v->master_adv_cs = c->adv_cs;
	v->preempt_from = now + c->hold_ms * MS;
	v->state = HA_VRRP_INIT;
	/* 6.4.1: the owner is Master at once; any other waits a Master_Down_Interval */
	become(v, c->prio == HA_VRRP_PRIO_OWNER ? HA_VRRP_MASTER : HA_VRRP_BACKUP, now);
}

void
ha_vrrp_hold(struct ha_vrrp *v, uint64_t until)
{
	v->preempt_from = until;
}

void
ha_vrrp_resume(struct ha_vrrp *v, uint8_t state, uint16_t master_adv_cs, const uint8_t *master_ip, uint64_t now)
{
	if (state != HA_VRRP_MASTER && state != HA_VRRP_BACKUP)
		return;
	/* the same box going on: no hold-down again */
	v->preempt_from = now;
	if (master_adv_cs >= 1 && master_adv_cs <= HA_VRRP_ADV_CS_MAX)
		v->master_adv_cs = master_adv_cs;
	if (master_ip != NULL)
		memcpy(v->master_ip, master_ip, 16);
	if (v->state == state && state == HA_VRRP_BACKUP) {
		v->down_at = now + ha_vrrp_down_ns(v);
		v->down_why = HA_VRRP_DOWN_SILENT;
		v->hastened = false;
	}
	become(v, state, now);
}

void
ha_vrrp_reconfig(struct ha_vrrp *v, const struct ha_vrrp_cfg *c, uint64_t now)
{
	if (c->vrid != v->cfg.vrid || c->v6 != v->cfg.v6 || v->state == HA_VRRP_INIT) {
		ha_vrrp_start(v, c, now);
		return;
	}
	v->cfg = *c;
	if (v->state == HA_VRRP_MASTER) {
		v->master_adv_cs = c->adv_cs;
		v->adver_at = now;   /* the LAN hears the new priority and interval at once */
	}
}

enum ha_vrrp_bad
ha_vrrp_check(const void *msg, uint32_t len, bool v6, const uint8_t *src, const uint8_t *dst, uint8_t ttl)
{
	const struct ha_vrrp_hdr *h = msg;

	if (ttl != HA_VRRP_TTL)
		return HA_VRRP_BAD_TTL;
	if (len < HA_VRRP_HLEN || len < HA_VRRP_HLEN + h->count * alen(v6))
		return HA_VRRP_BAD_LENGTH;
	if (h->vers_type >> 4 != HA_VRRP_VERSION)
		return HA_VRRP_BAD_VERSION;
	if ((h->vers_type & 0xf) != HA_VRRP_ADVERT)
		return HA_VRRP_BAD_TYPE;
	/* over what the IP packet carries, trailing bytes too (5.2.8) */
	if (cksum(msg, len, v6, src, dst) != 0)
		return HA_VRRP_BAD_CKSUM;
	if ((rte_be_to_cpu_16(h->max_adv) & 0xfff) == 0)
		return HA_VRRP_BAD_INTERVAL;
	return HA_VRRP_OK;
}

static bool
from_peer(const struct ha_vrrp_cfg *c, const uint8_t *src)
{
	for (unsigned int i = 0; i < c->n_peers; i++)
		if (memcmp(c->peers[i], src, 16) == 0)
			return true;
	return false;
}

/* 7.1: the addresses it advertises are the router's own (in any order). */
static bool
same_addrs(const struct ha_vrrp_cfg *c, const struct ha_vrrp_hdr *h)
{
	const uint8_t *a = (const uint8_t *)(h + 1);
	uint32_t n = alen(c->v6);

	if (h->count != c->n_addr)
		return false;
	for (unsigned int i = 0; i < h->count; i++) {
		bool found = false;

		for (unsigned int j = 0; j < c->n_addr && !found; j++)
			found = memcmp(a + i * n, abytes(c->addr[j], c->v6), n) == 0;
		if (!found)
			return false;
	}
	return true;
}

static enum ha_vrrp_bad
refuse(struct ha_vrrp *v, enum ha_vrrp_bad why)
{
	v->st.bad[why]++;
	return why;
}

enum ha_vrrp_bad
ha_vrrp_recv(struct ha_vrrp *v, const void *msg, const uint8_t *src, uint64_t now, bool *changed)
{
	const struct ha_vrrp_hdr *h = msg;
	uint16_t adv = rte_be_to_cpu_16(h->max_adv) & 0xfff;
	uint8_t was = v->state;

	*changed = false;
	if (!from_peer(&v->cfg, src))
		return refuse(v, HA_VRRP_BAD_SOURCE);
	if (!same_addrs(&v->cfg, h))
		return refuse(v, HA_VRRP_BAD_ADDRS);
	v->st.rx++;
	if (h->prio == HA_VRRP_PRIO_STOP)
		v->st.stops_rx++;
	switch (v->state) {
	case HA_VRRP_BACKUP:
		if (h->prio == HA_VRRP_PRIO_STOP) {
			/* 6.4.2: the master stopped: take over after Skew_Time */
			v->down_at = now + ha_vrrp_skew_ns(v);
			v->down_why = HA_VRRP_DOWN_STOPPED;
			v->hastened = false;
			break;
		}
		/* a lower priority master is preempted once the hold-down is
		 * past, within Skew_Time as when a master stops: RFC 5798
		 * 6.4.2 only discards its advertisements, so that the
		 * Master_Down_Timer takes it over three intervals later (a
		 * master that lost its WAN links lowers its priority, and its
		 * pair's other box should not wait to take its traffic) */
		if (v->cfg.preempt && h->prio < v->cfg.prio && now >= v->preempt_from) {
			if (now + ha_vrrp_skew_ns(v) < v->down_at) {
				v->down_at = now + ha_vrrp_skew_ns(v);
				v->down_why = HA_VRRP_DOWN_PREEMPT;
				v->hastened = false;
			}
			break;
		}
		v->master_adv_cs = adv;
		memcpy(v->master_ip, src, 16);
		v->down_at = now + ha_vrrp_down_ns(v);
		v->down_why = HA_VRRP_DOWN_SILENT;
		v->hastened = false;
		break;
	case HA_VRRP_MASTER:
		if (h->prio == HA_VRRP_PRIO_STOP) {
			v->adver_at = now;   /* 6.4.3: tell the LAN at once who is master */
			break;
		}
		if (h->prio > v->cfg.prio ||
		    (h->prio == v->cfg.prio && memcmp(abytes(src, v->cfg.v6), abytes(v->cfg.self, v->cfg.v6),
						      alen(v->cfg.v6)) > 0)) {
			v->master_adv_cs = adv;
			memcpy(v->master_ip, src, 16);
			become(v, HA_VRRP_BACKUP, now);
		}
		break;
	default:
		break;
	}
	*changed = v->state != was;
	return HA_VRRP_OK;
}

bool
ha_vrrp_hasten(struct ha_vrrp *v)
{
	uint64_t early = adv_ns(v->master_adv_cs);

	if (v->state != HA_VRRP_BACKUP || v->down_why != HA_VRRP_DOWN_SILENT || v->hastened || v->down_at < early)
		return false;
	v->down_at -= early;
	v->hastened = true;
	return true;
}

void
ha_vrrp_defer(struct ha_vrrp *v, uint64_t until)
{
	if (v->state == HA_VRRP_BACKUP && v->down_at < until)
		v->down_at = until;
}

bool
ha_vrrp_judge(struct ha_vrrp *v, uint64_t now)
{
	if (v->state != HA_VRRP_BACKUP || now < v->down_at)
		return false;
	become(v, HA_VRRP_MASTER, now);
	return true;
}

static uint32_t
msg_make(const struct ha_vrrp *v, uint8_t prio, const uint8_t *dst, void *out)
{
	struct ha_vrrp_hdr *h = out;
	uint8_t *a = (uint8_t *)(h + 1);
	uint32_t n = alen(v->cfg.v6), len = ha_vrrp_msg_len(&v->cfg);

	h->vers_type = HA_VRRP_VERSION << 4 | HA_VRRP_ADVERT;
	h->vrid = v->cfg.vrid;
	h->prio = prio;
	h->count = v->cfg.n_addr;
	h->max_adv = rte_cpu_to_be_16(v->cfg.adv_cs & 0xfff);
	h->cksum = 0;
	for (unsigned int i = 0; i < v->cfg.n_addr; i++)
		memcpy(a + i * n, abytes(v->cfg.addr[i], v->cfg.v6), n);
	h->cksum = cksum(out, len, v->cfg.v6, v->cfg.self, dst);
	return len;
}

uint32_t
ha_vrrp_due(struct ha_vrrp *v, uint64_t now, const uint8_t *dst, void *out)
{
	if (v->state != HA_VRRP_MASTER || now < v->adver_at)
		return 0;
	v->adver_at = now + adv_ns(v->cfg.adv_cs);
	v->st.tx++;
	return msg_make(v, v->cfg.prio, dst, out);
}

uint32_t
ha_vrrp_stop(struct ha_vrrp *v, uint64_t now, const uint8_t *dst, void *out)
{
	uint32_t len = 0;

	if (v->state == HA_VRRP_MASTER) {
		len = msg_make(v, HA_VRRP_PRIO_STOP, dst, out);
		v->st.tx++;
	}
	become(v, HA_VRRP_INIT, now);
	return len;
}
