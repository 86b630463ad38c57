/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl usage: the command list, each command's own lines, usage errors. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_client.h"
#include "dp_apidef.h"
#include "intent.h"
#include "ov_intent.h"
#include "sxctl.h"

/* the intent library's defaults, as the text says them */
#define STR_(x) #x
#define STR(x)	STR_(x)

#define USAGE_TEXT \
"Usage: sxctl [--socket PATH] [--json] [--timeout MS] COMMAND [ARGS...]\n" \
"\n" \
"Commands:\n" \
"  hello                       dataplane identity (version, boot id, generation)\n" \
"  ports                       list ports\n" \
"  port-stats [PORT]           per-port counters (PORT: name or index)\n" \
"  xdp                         shared AF_XDP ports: frames their XDP program gave\n" \
"                              sxdp or left to the kernel, and what is steered\n" \
"  stats [clear]               dataplane counters, or reset them\n" \
"  describe [TABLE]            pipeline schema: tables, keys, actions\n" \
"  discover                    list the RPC methods of the socket\n" \
"  table add TABLE [FIELD=VALUE ...] [priority N] action ACTION [PARAM=VALUE ...]\n" \
"  table mod TABLE [FIELD=VALUE ...] [priority N] action ACTION [PARAM=VALUE ...]\n" \
"  table del TABLE [FIELD=VALUE ...] [priority N]\n" \
"  table default TABLE action ACTION [PARAM=VALUE ...]\n" \
"  table show TABLE [--offset N] [--limit N] [--all]\n" \
"  table clear TABLE\n" \
"  table load FILE|-           send {\"atomicity\":..,\"updates\":[..]} as one write\n" \
"  call METHOD [NAME=VALUE ...]\n" \
"                              call any method; each VALUE typed and checked by\n" \
"                              the schema sxdp declares (rpc.discover)\n" \
"  raw METHOD [JSON]           call METHOD with JSON params (default {})\n" \
"  version                     sxctl's version (that of sxdp and sxcd it is built with)\n" \
"  help [COMMAND]              this text and sxdp's methods, or one command's lines\n" \
"  help METHOD                 what METHOD (e.g. table.read) takes and returns,\n" \
"                              as the running sxdp declares it (without one: as\n" \
"                              sxdp's core declares it, built into sxctl)\n" \
"\n" \
"Switch pipeline shortcuts (writes that touch several tables are one\n" \
"dataplane-atomic batch unless --atomicity says otherwise):\n" \
"  slice attach PORT [vlan V] slice S bd B\n" \
"                              PORT (VLAN V, default untagged) into slice S and\n" \
"                              bridge domain B: interfaces, bd_ports, flood\n" \
"  slice detach PORT [vlan V]  undo it (the flood entry goes when empty)\n" \
"  svi add SLICE BD MAC IP/PLEN\n" \
"                              gateway of BD: svi, fdb route, IP/32 local and\n" \
"                              the connected subnet in the slice's VRF; an IPv6\n" \
"                              IP/PLEN (PLEN 1..127): svi6, IP/128, routes6\n" \
"                              (the box also answers on fe80:: + EUI-64 of MAC)\n" \
"  svi del SLICE BD [ipv6]     undo it (the BD's IPv4 SVI, or its IPv6 one)\n" \
"  route add VRF PREFIX via NH\n" \
"  route add VRF PREFIX ecmp NH1 NH2 [NH3 [NH4]]\n" \
"                              an IPv6 PREFIX (routes6): IPv6 next hops, ecmp of 2\n" \
"  route add VRF PREFIX drop\n" \
"  route del VRF PREFIX\n" \
"  route show [VRF]\n" \
"  route show6 [VRF]           the IPv6 routes\n" \
"  mac add BD MAC PORT         static forwarding entry\n" \
"  mac del BD MAC\n" \
"  mac show [BD]               learned and static MACs, idle time, hits\n" \
"  mac ageing SECONDS          idle timeout of learned MACs (0: never age)\n" \
"  neigh add VRF IP PORT VLAN DMAC SMAC\n" \
"                              static next hop: out PORT/VLAN, DMAC from SMAC\n" \
"                              (an IPv6 IP: neigh6)\n" \
"  neigh del VRF IP\n" \
"  neigh show [VRF]\n" \
"  neigh show6 [VRF]           IPv6 neighbours (static, learned by NDP)\n" \
"  (VRF = SLICE; PORT: name or index; VLAN 0 = untagged.)\n" \
"\n" \
"Overlay shortcuts (the same: one batch; IPv4 underlay):\n" \
"  vtep add IP                 a local tunnel endpoint (vteps)\n" \
"  vtep del IP\n" \
"  site add SITE endpoint IP   IP is peer site SITE's: its probes are turned\n" \
"                              around (endpoints)\n" \
"  site del IP\n" \
"  vni add VNI slice S bd B    frames of VNI into slice S's bridge domain B (vnis)\n" \
"  vni add VNI slice S l3      packets of VNI into slice S's VRF\n" \
"  vni del VNI\n" \
"  path add ID src IP dst IP gw IP vrf VRF [mtu N] [probe static|sxdp|icmp]\n" \
"           [interval MS] [down N] [up N]\n" \
"                              local VTEP src to far end dst via the underlay\n" \
"                              next hop gw in VRF (paths); mtu 0: the port's;\n" \
"                              static is always up, sxdp/icmp are probed every\n" \
"                              interval (" STR(INTENT_PROBE_INTERVAL_MS) ") ms, down after down (" \
	STR(INTENT_PROBE_DOWN) ") probes\n" \
"                              unanswered, up after up (" STR(INTENT_PROBE_UP) ") answers in a " \
	"row\n" \
"  path del ID\n" \
"  path show                   every path: state and since when, RTT, jitter and\n" \
"                              loss of its probes, packets and bytes it carried\n" \
"  tunnel add ID slice S vni V path P [geneve] [ttl N|copy] [dscp N|copy] [csum]\n" \
"           [rmac MAC] [peer IP ...] [flood BD]\n" \
"                              slice S's frames to a peer site over VXLAN (or\n" \
"                              GENEVE) on path P (0: its policies only); ttl " \
	STR(INTENT_TTL) ",\n" \
"                              dscp 0 and no UDP checksum unless told; rmac: the\n" \
"                              far end's router MAC (L3 VNI); each peer IP may\n" \
"                              send into the slice through it (peers); flood BD:\n" \
"                              BD's broadcasts get a copy too (a free t0..t7 of\n" \
"                              its flood entry, which must exist)\n" \
"  tunnel del ID               the tunnel, its peers and policies, its flood slots\n" \
"  tunnel show                 tunnels, their peers and the BDs flooding into them\n" \
"  policy set TUNNEL CLASS failover P0 [P1 [P2 [P3]]]\n" \
"                              the first path up (policies; class 0: the\n" \
"                              tunnel's classes without a policy of their own)\n" \
"  policy set TUNNEL CLASS balance P0:W0 [P1:W1 ...]\n" \
"                              by flow over the paths up, by weight\n" \
"  policy set TUNNEL CLASS sla P0 [P1 ...] [rtt MS] [jitter MS] [loss PCT]\n" \
"                              the first path up within the limits, else the\n" \
"                              first up; set replaces the class's policy\n" \
"  policy del TUNNEL CLASS\n" \
"  policy show [TUNNEL]\n" \
"  class add SLICE CLASS prio N [src PREFIX] [dst PREFIX] [proto N] [sport A[-B]]\n" \
"            [dport A[-B]] [dscp N]\n" \
"                              inner IPv4 packets of the slice that match all of\n" \
"                              these are of CLASS (classes; the larger prio wins)\n" \
"  class del SLICE CLASS [prio N]\n" \
"                              the class's rules in the slice (or the one at N)\n" \
"\n" \
"QoS shortcuts (rates in bit/s, bursts in bytes):\n" \
"  meter add ID srtcm|trtcm|rfc4115 cir BPS cbs B [eir|pir BPS] [ebs|pbs B]\n" \
"            [aware] [charge l2|fcs|wire|ip]\n" \
"                              a meter (meters): srtcm cir/cbs/ebs, trtcm\n" \
"                              cir/cbs/pir/pbs, rfc4115 cir/cbs/eir/ebs; aware:\n" \
"                              color-aware; charge: the frame (l2, default),\n" \
"                              with FCS, on the wire (+24), or the IP packet\n" \
"  meter color ID green|yellow|red pass|drop|remark [dscp N] [pcp N]\n" \
"                              what the color gets (meter_colors; without: red\n" \
"                              drops); remark keeps what it is not told\n" \
"  meter del ID                the meter and its color policies\n" \
"  meter show                  every meter: packets and bytes per color\n" \
"  vdn add ID slice S port P rate BPS [peak BPS] [prio N] [src PREFIX]\n" \
"          [dst PREFIX] [proto N] [sport A[-B]] [dport A[-B]] [dscp N]\n" \
"                              a VDN of slice S, in one batch: its class (vdns),\n" \
"                              meter ID (RFC 4115: rate committed, up to peak in\n" \
"                              excess, the rest dropped) and pipe ID on port P's\n" \
"                              scheduler (sched_pipes: rate guaranteed)\n" \
"  vdn del ID slice S port P   the VDN's class entries, pipe and meter\n" \
"  vdn show [interval MS]      every VDN: the rate it passed over MS (1000),\n" \
"                              its meter's colors, conformance, its pipe's\n" \
"                              packets and drops\n" \
"  sched show                  every egress scheduler: per subport (slice) and\n" \
"                              traffic class, and per pipe: packets, bytes, drops\n" \
"\n" \
"UPF (what sxcd's upf intents wrote; read only):\n" \
"  upf sessions [ul|dl]        session entries: uplink by N3/N9 tunnel (ul),\n" \
"                              downlink by UE address or N9 tunnel (dl, dl6,\n" \
"                              dl-n9), with their default FAR, QER and URR\n" \
"  upf interfaces              the box's GTP-U endpoints (n3, n9) and N6\n" \
"                              addresses (upf_interfaces, upf_interfaces6)\n" \
"  upf counters                the UPF's drop reasons and events that are not\n" \
"                              zero, its tables' entries, hits and misses\n" \
"\n" \
"sxcd (the control daemon's REST API; --api URL, default $SXCD_API, else\n" \
"http://127.0.0.1:8181):\n" \
"  apply -f FILE|- [--dry-run] [--prune] [--wait]\n" \
"                              intents (JSON: one, a list, or {\"items\": [...]})\n" \
"                              applied as one set; --dry-run: the table writes it\n" \
"                              would make and every error, nothing changed;\n" \
"                              --prune: intents of the kinds in FILE that FILE\n" \
"                              leaves out are withdrawn; --wait: until sxdp has\n" \
"                              them (or 10 s)\n" \
"  get site|peers|slices|vdns|policies [NAME]\n" \
"                              intents with their phase, generation and entries\n" \
"  delete KIND NAME [--dry-run] [--wait]\n" \
"                              withdraw one intent\n" \
"  status                      sxcd: sxdp connected, reconcile runs, intents by\n" \
"                              phase\n" \
"\n" \
"Options (anywhere on the line):\n" \
"  --socket PATH       control socket (default $SXDP_SOCKET, else %s)\n" \
"  --json              print the JSON result, pretty-printed\n" \
"  --timeout MS        per-request timeout in milliseconds, 0 = none (default %d)\n" \
"  --atomicity MODE    writes: %s\n" \
"  --offset N, --limit N, --all   table show paging (--all follows next_offset)\n" \
"  --api URL           sxcd's REST API (http://HOST[:PORT])\n" \
"  --token-file FILE   the bearer token sxcd wants (when not on loopback)\n" \
"  -h, --help          this text\n" \
"  -V, --version       sxctl's version\n" \
"\n" \
"FIELD=VALUE forms:  V exact   A/LEN lpm   V&&&M ternary   LO..HI range\n" \
"  Decimal numbers (no sign, no leading zero) are sent as JSON integers, anything\n" \
"  else as strings (10.0.0.1, aa:bb:cc:dd:ee:ff, 2001:db8::1, p0); sxdp refuses\n" \
"  '010' or '0x11' where it wants a number. Quote '&&&' in a shell.\n" \
"\n" \
"Exit status: 0 ok, 1 server error or failed update, 2 usage error,\n" \
"             3 cannot connect or transport failure.\n"

const char *usage_cmd;
static char topic_buf[128];

const char *
usage_topic_of(char **av, int ac)
{
	/* "route add" when it has lines of its own, else "route" */
	if (ac >= 2) {
		snprintf(topic_buf, sizeof(topic_buf), "%s %s", av[0], av[1]);
		if (strchr(av[1], ' ') == NULL && usage_topic(NULL, topic_buf))
			return topic_buf;
	}
	return ac >= 1 ? av[0] : NULL;
}

static char *
usage_text(void)
{
	/* the modes as table.write declares them */
	const char *const *n = dp_apidef_table_write.params[DP_APIDEF_WRITE_ATOMICITY].names;
	char *modes = sx_asprintf("%s", *n), *t, *text;

	while (*++n != NULL) {
		t = sx_asprintf("%s | %s", modes, *n);
		free(modes);
		modes = t;
	}
	text = sx_asprintf(USAGE_TEXT, CTL_DEFAULT_PATH, DEFAULT_TIMEOUT_MS, modes);
	free(modes);
	return text;
}

void
usage_print(FILE *f)
{
	char *t = usage_text();

	fputs(t, f);
	free(t);
}

/* The usage lines of one command: "  CMD ..." and the deeper-indented lines
 * that continue them (CMD may be "route add"). false when CMD has none;
 * f NULL only checks. */
bool
usage_topic(FILE *f, const char *cmd)
{
	char *t = usage_text(), *save = NULL, *line;
	size_t n = strlen(cmd);
	bool in = false, any = false;

	for (line = strtok_r(t, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  ", 2) == 0 && line[2] != ' ')
			in = strncmp(line + 2, cmd, n) == 0 && (line[2 + n] == ' ' || line[2 + n] == '\0');
		else if (strncmp(line, "    ", 4) != 0)
			in = false;
		if (in) {
			if (f != NULL)
				fprintf(f, "%s\n", line);
			any = true;
		}
	}
	free(t);
	return any;
}

int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sxctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* the command's own lines, not all of them */
	if (usage_cmd != NULL && usage_topic(stderr, usage_cmd))
		fprintf(stderr, "Run 'sxctl %s --help' or 'sxctl help' for more.\n", usage_cmd);
	else
		fputs("Run 'sxctl help' for the commands and options.\n", stderr);
	return EX_USAGE;
}
