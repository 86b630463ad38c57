/* SPDX-License-Identifier: BSD-3-Clause */
/* pf_load: N4 load and overload control (pf_load.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cd_clock.h"
#include "cd_log.h"
#include "pf_load.h"
#include "pf_node.h"

#define OVERLOAD_ENTER	90	/* load at which the overload starts */
#define OVERLOAD_LEAVE	80	/* ... and under which it ends */
#define PERIOD_S	10	/* an Overload Control Information's period of validity */
#define CP_LOAD		0x01	/* CP Function Features, octet 5 (TS 29.244 8.2.58) */
#define CP_OVRL		0x02

void
pf_load_init(struct pf_load *l, const struct pf_load_cfg *cfg)
{
	*l = (struct pf_load){ .cfg = *cfg };
	if (l->cfg.max_pending == 0)
		l->cfg.max_pending = PF_LOAD_PENDING_DEF;
}

/* The session bound: the configured one, else what sxdp's uplink sessions table holds. */
static uint64_t
max_sessions(const struct pf_load *l, uint64_t table_size)
{
	return l->cfg.max_sessions > 0 ? l->cfg.max_sessions : table_size;
}

static uint64_t
rss_bytes(void)
{
	unsigned long size, res;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%lu %lu", &size, &res);
	fclose(f);
	return n == 2 ? (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static unsigned int
share(uint64_t used, uint64_t bound)
{
	if (bound == 0)
		return 0;
	return used >= bound ? 100 : (unsigned int)(used * 100 / bound);
}

void
pf_load_measure(struct pf_load *l, uint64_t sessions, uint64_t table_size, uint64_t now_ms)
{
	unsigned int m = share(sessions + l->pending, max_sessions(l, table_size));
	unsigned int red;
	unsigned int q = share(l->pending, l->cfg.max_pending);

	if (l->cfg.max_rss_mb > 0) {
		unsigned int r;

		l->rss_bytes = rss_bytes();
		r = share(l->rss_bytes, (uint64_t)l->cfg.max_rss_mb << 20);
		m = r > m ? r : m;
	}
	m = q > m ? q : m;
	if (m != l->metric) {
		l->metric = (uint8_t)m;
		l->lci_seq++;
	}
	if (!l->overloaded && m >= OVERLOAD_ENTER) {
		l->overloaded = true;
		l->overloads++;
		CD_LOG(WARN, "pfcp: overloaded (load %u%%: sessions, queue or memory): SMFs that take it are asked to "
		       "shed session requests", m);
	} else if (l->overloaded && m < OVERLOAD_LEAVE) {
		l->overloaded = false;
		l->oci_until_ms = now_ms + PERIOD_S * 1000;   /* the end said for a period */
		CD_LOG(INFO, "pfcp: no longer overloaded (load %u%%)", m);
	}
	red = l->overloaded ? (m - OVERLOAD_LEAVE) * 5 : 0;

	if (red > 100)
		red = 100;
	if (red != l->reduction) {   /* each response carries it: valid PERIOD_S from there */
		l->reduction = (uint8_t)red;
		l->oci_seq++;
	}
}

static uint8_t
refuse(struct pf_load *l, uint8_t cause, const char *why, const char **out)
{
	uint64_t now = cd_clock_ms();

	if (cause == PF_CAUSE_NO_RESOURCES)
		l->refused_resources++;
	else
		l->refused_congestion++;
	*out = NULL;
	if (now - l->log_ms >= 1000) {   /* a flood is not logged request by request */
		*out = why;
		if (l->log_skipped > 0)
			CD_LOG(WARN, "pfcp: %llu more establishments refused in the last second",
			       (unsigned long long)l->log_skipped);
		l->log_ms = now;
		l->log_skipped = 0;
	} else {
		l->log_skipped++;
	}
	return cause;
}

uint8_t
pf_load_admit(struct pf_load *l, uint64_t sessions, uint64_t table_size, const char **why)
{
	uint64_t ms = max_sessions(l, table_size);

	*why = NULL;
	if (ms > 0 && sessions + l->pending >= ms)
		return refuse(l, PF_CAUSE_NO_RESOURCES, "the UPF holds as many sessions as it takes", why);
	if (l->pending >= l->cfg.max_pending)
		return refuse(l, PF_CAUSE_CONGESTION, "as many establishments wait for sxdp as it queues", why);
	if (l->cfg.max_rss_mb > 0 && l->rss_bytes >= (uint64_t)l->cfg.max_rss_mb << 20)
		return refuse(l, PF_CAUSE_CONGESTION, "sxcd's memory is at its bound", why);
	l->pending++;
	return 0;
}

void
pf_load_done(struct pf_load *l)
{
	if (l->pending > 0)
		l->pending--;
}

void
pf_load_ies(const struct pf_load *l, const struct pf_assoc *a, struct pf_sess_rsp *r, struct pf_load_ctl *lci,
	    struct pf_overload_ctl *oci)
{
	if (a == NULL)
		return;
	if (pf_assoc_cp_feature(a, 0, CP_LOAD)) {
		*lci = (struct pf_load_ctl){ .seq = l->lci_seq, .metric = l->metric };
		r->lci = lci;
	}
	if (pf_assoc_cp_feature(a, 0, CP_OVRL) && (l->overloaded || cd_clock_ms() < l->oci_until_ms)) {
		/* Timer (8.2.43): unit 000, 2 s */
		*oci = (struct pf_overload_ctl){ .seq = l->oci_seq, .metric = l->reduction, .timer = PERIOD_S / 2,
						 .aoci = true };
		r->oci = oci;
	}
}

json_t *
pf_load_status(const struct pf_load *l, uint64_t table_size)
{
	return json_pack("{s:i,s:b,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "load", l->metric, "overloaded", l->overloaded,
			 "reduction", l->reduction, "max_sessions", (json_int_t)max_sessions(l, table_size), "pending",
			 (json_int_t)l->pending, "max_pending", (json_int_t)l->cfg.max_pending, "max_rss_bytes",
			 (json_int_t)((uint64_t)l->cfg.max_rss_mb << 20), "rss_bytes", (json_int_t)l->rss_bytes,
			 "refused_no_resources", (json_int_t)l->refused_resources, "refused_congestion",
			 (json_int_t)l->refused_congestion, "overloads", (json_int_t)l->overloads);
}
