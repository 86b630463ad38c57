/* SPDX-License-Identifier: BSD-3-Clause */
/* sxctl usage: the command list, each command's own lines, usage errors. */
/*
 * The generic commands' lines are here; each feature's part is what it
 * registered (sxctl_feat.h), listed between them and sxcd's, options.
 */
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
#include "sxctl_base.h"
#include "sxctl_feat.h"
#include "sxctl_usage.h"

/* the generic commands, before the features' parts */
#define USAGE_HEAD \
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
"\n"

/* after them */
#define USAGE_TAIL \
"sxcd (the control daemon's REST API; --api URL, default $SXCD_API, else\n" \
"http://127.0.0.1:8181. The token: --token-file, else $SXCD_TOKEN_FILE, else\n" \
"%s if readable; one found so goes over http:// to loopback only):\n" \
"  apply -f FILE|- [--dry-run] [--prune] [--wait]\n" \
"                              intents (JSON: one, a list, or {\"items\": [...]})\n" \
"                              applied as one set; --dry-run: the table writes it\n" \
"                              would make and every error, nothing changed;\n" \
"                              --prune: intents of the kinds in FILE that FILE\n" \
"                              leaves out are withdrawn; --wait: until sxdp has\n" \
"                              them (or 10 s)\n" \
"                              an item with \"site\": \"S\" is site S's own\n" \
"                              (site, upf), written through this sxcd to the\n" \
"                              fleet's store (/api/v1/sites/S/KIND/NAME)\n" \
"  get KIND [NAME]             intents with their phase, generation and entries\n" \
"                              (KIND: one sxcd serves, e.g. slices or upf)\n" \
"  delete KIND NAME [--dry-run] [--wait]\n" \
"                              withdraw one intent\n" \
"  status                      sxcd: sxdp connected, reconcile runs, intents by\n" \
"                              phase\n" \
"  fleet                       sxcd on a fleet's store: every box, live or stale,\n" \
"                              last seen, its sxdp, intents Ready, paths up\n" \
"  history [N]                 the last N revisions (50): each accepted change,\n" \
"                              when, by whom, from where, its intents' result\n" \
"  diff R1 R2                  the intents as at revision R1, then as at R2\n" \
"  rollback R [--dry-run] [--wait]\n" \
"                              every intent as it was at revision R: the dry run\n" \
"                              shown, then made as one change (a new revision)\n" \
"  credential make NAME ROLE [SLICE...]\n" \
"                              (an admin's) a named credential: ROLE viewer,\n" \
"                              operator or admin; SLICEs: its scope (a tenant:\n" \
"                              those slices and their VDNs, policies, UPFs);\n" \
"                              its token printed once\n" \
"  credential list             every credential, without secrets\n" \
"  credential rotate NAME      a new token (the old one and its sessions end)\n" \
"  credential revoke NAME      its token and sessions end now\n" \
"  service NAME ACTION [JSON]  (an admin's) a service's action: service esp rotate\n" \
"                              (a new box key, make-before-break: the old one\n" \
"                              kept until every peer uses the new), service esp\n" \
"                              retire (the old one let go now)\n" \
"  enrolment make SITE [TTL_S] (an admin's, on a fleet's authority) a one-time\n" \
"                              token for the new box of SITE, printed once\n" \
"  enrolment list              the tokens (no secret) and the boxes enrolled\n" \
"  enrolment revoke ID         an unused token revoked\n" \
"  enrolment retire SITE [remove-intents]\n" \
"                              the box retired: its certificate revoked, its\n" \
"                              site's own intents kept (or removed)\n" \
"\n" \
"Options (anywhere on the line):\n" \
"  --socket PATH       control socket (default $SXDP_SOCKET, else %s)\n" \
"  --json              print the JSON result, pretty-printed\n" \
"  --timeout MS        per-request timeout in milliseconds, 0 = none (default %d)\n" \
"  --atomicity MODE    writes: %s\n" \
"  --offset N, --limit N, --all   table show paging (--all follows next_offset)\n" \
"  --api URL           sxcd's REST API: http[s]://HOST[:PORT] (port 8181 unless\n" \
"                      given; an IPv6 address in brackets)\n" \
"  --token-file FILE   the bearer token sxcd wants (default above)\n" \
"  --cacert FILE       https: CA certificates (PEM) sxcd's certificate must chain\n" \
"                      to (default: the system's); it must name HOST\n" \
"  --cert FILE, --key FILE   https: sxctl's certificate and key (PEM), for an\n" \
"                      sxcd that asks for one (mutual TLS)\n" \
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
	const struct feat_cli *f;

	while (*++n != NULL) {
		t = sx_asprintf("%s | %s", modes, *n);
		free(modes);
		modes = t;
	}
	/* the generic commands, each feature's part (verbatim: no format), the rest */
	text = sx_asprintf("%s", USAGE_HEAD);
	for (unsigned int i = 0; (f = feat_get(i)) != NULL; i++) {
		t = sx_asprintf("%s%s\n", text, f->usage);
		free(text);
		text = t;
	}
	t = sx_asprintf(USAGE_TAIL, SXCTL_TOKEN_FILE, CTL_DEFAULT_PATH, DEFAULT_TIMEOUT_MS, modes);
	free(modes);
	modes = sx_asprintf("%s%s", text, t);
	free(text);
	free(t);
	return modes;
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
