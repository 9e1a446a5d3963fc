/*
 * judge.c - reading a capture file against one rule and printing the
 * verdict line.
 *
 * A rule's filter is compiled against the file's own link type, as
 * tcpdump -r does, so the same expectation reads an Ethernet capture of
 * a bridge and a raw-IP capture of a TUN device. Packets are numbered
 * from 1 in file order, as tcpdump -# and Wireshark number them, and
 * times are offsets from the first packet of the file.
 *
 * Anything that stops a fair judgement (no file, not a capture, a filter
 * that does not compile, a file damaged half-way) is not a FAIL of the
 * thing under test: it prints "cannot judge" and returns V_CANNOT.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "verify.h"

#define FILTER_SHOWN 2048   /* room for a quoted filter in a message */

/* What one pass over the file saw. */
struct tally {
	unsigned long total;        /* packets in the file */
	unsigned long matched;      /* packets matching the filter */
	unsigned long hits;         /* matched packets the rule counts as hits */
	unsigned long first;        /* number of the first hit (0: none) */
	double        first_t;      /* its time offset, seconds */
	unsigned long checked;      /* checksums-ok: fully checked */
	unsigned long hdr_only;     /* checksums-ok: ICMP part not checkable */
	unsigned long skipped;      /* checksums-ok: not IPv4 or truncated */
	char          bad_why[160]; /* checksums-ok: the first bad packet */
};

enum verdict
judge_cannot(const char *label, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("FAIL %s: cannot judge: %s\n", label, why);
	return V_CANNOT;
}

/*
 * Opens file and compiles filter against its link type. Returns the
 * handle, with prog filled in, or NULL with why.
 */
static pcap_t *
open_filtered(const char *file, const char *filter, struct bpf_program *prog,
              char *why, size_t whylen)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	const char *dlt;

	errbuf[0] = '\0';
	if ((p = pcap_open_offline(file, errbuf)) == NULL) {
		snprintf(why, whylen, "cannot read capture %s: %s", file, errbuf);
		return NULL;
	}
	if (pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) == -1) {
		dlt = pcap_datalink_val_to_name(pcap_datalink(p));
		snprintf(why, whylen, "filter '%s' does not compile for link type "
		         "%s of %s: %s", filter, dlt ? dlt : "(unknown)", file,
		         pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	return p;
}

static double
offset_of(const struct timeval *t, const struct timeval *t0)
{
	return (double)(t->tv_sec - t0->tv_sec) +
	       (double)(t->tv_usec - t0->tv_usec) / 1e6;
}

static bool
has_marker(const struct rule *r, const uint8_t *data, size_t len)
{
	return memmem(data, len, r->marker, r->marker_len) != NULL;
}

/*
 * One pass over the file: counts packets, filter matches and what the
 * rule calls a hit (a match, a marker, a bad checksum). Returns 0, or
 * -1 with why.
 */
static int
scan(const struct rule *r, const char *file, struct tally *t, char *why,
     size_t whylen)
{
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct timeval t0 = { 0, 0 };
	pcap_t *p;
	int dlt, rc;

	memset(t, 0, sizeof(*t));
	if ((p = open_filtered(file, r->filter, &prog, why, whylen)) == NULL)
		return -1;
	dlt = pcap_datalink(p);
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		bool hit = false;
		char ckwhy[sizeof(t->bad_why)];

		if (t->total++ == 0)
			t0 = h->ts;
		if (pcap_offline_filter(&prog, h, data) == 0)
			continue;
		t->matched++;
		switch (r->kind) {
		case RULE_MARKER:
		case RULE_NO_MARKER:
			hit = has_marker(r, data, h->caplen);
			break;
		case RULE_CHECKSUMS_OK:
			switch (cksum_check_frame(dlt, data, h->caplen, ckwhy,
			                          sizeof(ckwhy))) {
			case CK_OK:
				t->checked++;
				break;
			case CK_HDR_ONLY:
				t->hdr_only++;
				break;
			case CK_NOT_IPV4:
			case CK_TRUNCATED:
				t->skipped++;
				break;
			case CK_BAD:
				hit = true;
				if (t->hits == 0)
					memcpy(t->bad_why, ckwhy, sizeof(ckwhy));
				break;
			}
			break;
		default:
			hit = true;
			break;
		}
		if (hit && t->hits++ == 0) {
			t->first = t->total;
			t->first_t = offset_of(&h->ts, &t0);
		}
	}
	if (rc != PCAP_ERROR_BREAK) {
		snprintf(why, whylen, "%s is damaged after packet #%lu: %s", file,
		         t->total, pcap_geterr(p));
		pcap_freecode(&prog);
		pcap_close(p);
		return -1;
	}
	pcap_freecode(&prog);
	pcap_close(p);
	return 0;
}

/* A filter as messages show it: 'icmp', or '' (every packet). */
static const char *
quoted(const char *filter, char *out, size_t outlen)
{
	snprintf(out, outlen, "'%s'%s", filter, *filter ? "" : " (every packet)");
	return out;
}

static const char *
packets(unsigned long n)
{
	return n == 1 ? "packet" : "packets";
}

static enum verdict
say(bool ok, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum verdict
say(bool ok, const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("%s %s: ", ok ? "PASS" : "FAIL", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return ok ? V_PASS : V_FAIL;
}

static enum verdict
judge_count_rule(const struct rule *r, const struct tally *t,
                 const char *file, const char *label)
{
	const char *what = r->kind == RULE_AT_LEAST ? "at least" :
	                   r->kind == RULE_AT_MOST ? "at most" : "exactly";
	bool ok = r->kind == RULE_AT_LEAST ? t->matched >= r->n :
	          r->kind == RULE_AT_MOST ? t->matched <= r->n :
	          t->matched == r->n;
	char f[FILTER_SHOWN];

	quoted(r->filter, f, sizeof(f));
	if (ok)
		return say(true, label, "%s %lu %s %s %s (seen %lu of %lu in %s)",
		           what, r->n, packets(r->n), r->n == 1 ? "matches" :
		           "match", f, t->matched, t->total, file);
	return say(false, label, "expected %s %lu %s to match %s, seen %lu "
	           "of %lu in %s", what, r->n, packets(r->n), f, t->matched,
	           t->total, file);
}

static enum verdict
judge_none(const struct rule *r, const struct tally *t, const char *file,
           const char *label)
{
	char f[FILTER_SHOWN];

	quoted(r->filter, f, sizeof(f));
	if (t->matched == 0)
		return say(true, label, "no packet matches %s (seen 0 of %lu in "
		           "%s)", f, t->total, file);
	return say(false, label, "expected no packet to match %s, seen %lu "
	           "of %lu in %s, first at packet #%lu (time offset %.3f s)",
	           f, t->matched, t->total, file, t->first, t->first_t);
}

static enum verdict
judge_marker(const struct rule *r, const struct tally *t, const char *file,
             const char *label)
{
	char m[RULE_MARKER_MAX * 4 + 8], scope[64 + FILTER_SHOWN];

	rule_marker_str(r, m, sizeof(m));
	if (*r->filter)
		snprintf(scope, sizeof(scope), "%lu %s matching '%s'", t->matched,
		         packets(t->matched), r->filter);
	else
		snprintf(scope, sizeof(scope), "%lu %s", t->matched,
		         packets(t->matched));
	if (r->kind == RULE_NO_MARKER) {
		if (t->hits == 0)
			return say(true, label, "marker %s never appears in clear "
			           "(0 of %s)", m, scope);
		return say(false, label, "marker %s appears in %lu %s, first at "
		           "packet #%lu (time offset %.3f s)", m, t->hits,
		           packets(t->hits), t->first, t->first_t);
	}
	if (t->hits > 0)
		return say(true, label, "marker %s appears in %lu of %s, first at "
		           "packet #%lu (time offset %.3f s)", m, t->hits, scope,
		           t->first, t->first_t);
	return say(false, label, "expected marker %s in at least one packet, "
	           "found in none of %s in %s", m, scope, file);
}

static enum verdict
judge_checksums(const struct rule *r, const struct tally *t,
                const char *file, const char *label)
{
	char extra[160] = "", f[FILTER_SHOWN];

	if (t->hits > 0)
		return say(false, label, "packet #%lu (time offset %.3f s): %s; "
		           "%lu of %lu %s matching %s bad", t->first, t->first_t,
		           t->bad_why, t->hits, t->matched, packets(t->matched),
		           quoted(r->filter, f, sizeof(f)));
	if (t->checked + t->hdr_only == 0)
		return say(false, label, "no IPv4 packet matching %s to check "
		           "(%lu matching, of %lu in %s)",
		           quoted(r->filter, f, sizeof(f)), t->matched, t->total,
		           file);
	if (t->hdr_only)
		snprintf(extra, sizeof(extra), "; %lu checked on the IPv4 header "
		         "only (fragment, or cut by snaplen)", t->hdr_only);
	if (t->skipped)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
		         "; %lu skipped (not IPv4, or cut short)", t->skipped);
	return say(true, label, "IPv4 and ICMP checksums valid in %lu %s "
	           "matching %s (of %lu in %s)%s", t->checked + t->hdr_only,
	           packets(t->checked + t->hdr_only),
	           quoted(r->filter, f, sizeof(f)), t->total, file, extra);
}

/* The rules an empty capture would pass without having seen anything. */
static bool
vacuous_when_empty(const struct rule *r)
{
	switch (r->kind) {
	case RULE_AT_MOST:
	case RULE_NONE:
	case RULE_NO_MARKER:
		return true;
	case RULE_EXACTLY:
		return r->n == 0;
	case RULE_AT_LEAST:
	case RULE_MARKER:
	case RULE_CHECKSUMS_OK:
		return false;
	}
	return false;
}

enum verdict
judge(const struct rule *r, const char *file, const char *label)
{
	struct tally t;
	char why[1024];

	if (scan(r, file, &t, why, sizeof(why)) == -1)
		return judge_cannot(label, "%s", why);
	if (t.total == 0 && !r->allow_empty && vacuous_when_empty(r))
		return say(false, label, "nothing to judge: %s holds no packet at "
		           "all (did the scenario run? capture started too late?)",
		           file);
	switch (r->kind) {
	case RULE_AT_LEAST:
	case RULE_AT_MOST:
	case RULE_EXACTLY:
		return judge_count_rule(r, &t, file, label);
	case RULE_NONE:
		return judge_none(r, &t, file, label);
	case RULE_MARKER:
	case RULE_NO_MARKER:
		return judge_marker(r, &t, file, label);
	case RULE_CHECKSUMS_OK:
		return judge_checksums(r, &t, file, label);
	}
	return judge_cannot(label, "internal error: unknown rule kind %d",
	                    (int)r->kind);
}

int
judge_times(const char *file, const char *filter, FILE *out, char *why,
            size_t whylen)
{
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned long total = 0;
	pcap_t *p;
	int rc;

	if ((p = open_filtered(file, filter, &prog, why, whylen)) == NULL)
		return -1;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		total++;
		if (pcap_offline_filter(&prog, h, data) != 0)
			fprintf(out, "%lld.%06ld\n", (long long)h->ts.tv_sec,
			        (long)h->ts.tv_usec);
	}
	if (rc != PCAP_ERROR_BREAK)
		snprintf(why, whylen, "%s is damaged after packet #%lu: %s", file,
		         total, pcap_geterr(p));
	pcap_freecode(&prog);
	pcap_close(p);
	return rc == PCAP_ERROR_BREAK ? 0 : -1;
}

long
judge_count(const char *file, const char *filter, char *why, size_t whylen)
{
	struct rule r;
	struct tally t;
	long n;

	memset(&r, 0, sizeof(r));
	r.kind = RULE_AT_LEAST;
	r.filter = (char *)filter;
	if (scan(&r, file, &t, why, whylen) == -1)
		return -1;
	n = (long)t.matched;
	return n;
}
