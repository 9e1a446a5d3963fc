/*
 * verify.h - the index of pcap-verify (and of cksum.c, which the golden
 * capture generator shares).
 *
 * A rule is one assertion about a capture file: how many packets match a
 * BPF filter, whether some bytes appear in clear, whether checksums are
 * right. rule.c turns command-line words or an expectation-file line into
 * a struct rule; judge.c reads the capture once per rule and prints the
 * verdict line.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes, and what judge() returns. */
enum verdict { V_PASS = 0, V_FAIL = 1, V_CANNOT = 2 };

enum rule_kind {
	RULE_AT_LEAST, RULE_AT_MOST, RULE_EXACTLY, RULE_NONE,
	RULE_MARKER, RULE_NO_MARKER, RULE_CHECKSUMS_OK,
};

#define RULE_MARKER_MAX 1024   /* longest marker, in bytes */
#define RULE_WHY_MAX    512    /* room for a reason a rule cannot be read */

struct rule {
	enum rule_kind kind;
	unsigned long  n;             /* count rules: the bound */
	char          *filter;        /* BPF text, "" for every packet */
	bool           hex;           /* marker given in hex (display) */
	uint8_t        marker[RULE_MARKER_MAX];
	size_t         marker_len;
	char          *text;          /* canonical rule text: the default label */
	bool           allow_empty;   /* an empty capture is a possible answer */
};

/* ---- rule.c: reading rules -------------------------------------------- */

/*
 * Reads a rule from argv-style words, starting at words[*i] (a "--at-least"
 * style option); advances *i past the words it used. Returns 0, or -1 with
 * a sentence in why. The rule owns heap strings: free with rule_free().
 */
int  rule_from_args(char **words, int nwords, int *i, struct rule *r,
                    char *why, size_t whylen);
/* Reads "--in FILTER" after a marker rule. Returns 0, or -1 with why. */
int  rule_set_scope(struct rule *r, const char *filter, char *why,
                    size_t whylen);
/* Reads one expectation-file line ("at-least 3 icmp"). Returns 0, or -1. */
int  rule_from_line(const char *line, struct rule *r, char *why,
                    size_t whylen);
/* Fills r->text from the other fields. Returns 0, or -1 (out of memory). */
int  rule_finish(struct rule *r, char *why, size_t whylen);
void rule_free(struct rule *r);
/* The marker as shown in messages: "TEXT" with C escapes, or 0xHEX. */
const char *rule_marker_str(const struct rule *r, char *out, size_t outlen);

/* ---- judge.c: reading a capture against a rule -------------------------- */

/*
 * Judges file against r and prints exactly one line to stdout:
 * "PASS label: ..." or "FAIL label: ...". Returns the verdict. A rule that
 * an empty capture would satisfy (none, at most N, no marker) FAILS on a
 * capture with no packet at all ("nothing to judge"): nothing seen is not
 * evidence that nothing was sent, unless r->allow_empty says an empty
 * capture is what a correct program gives.
 */
enum verdict judge(const struct rule *r, const char *file, const char *label);
/* Prints "FAIL label: cannot judge: why" and returns V_CANNOT. */
enum verdict judge_cannot(const char *label, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Counts packets of file matching filter. Returns the count, or -1 with why. */
long judge_count(const char *file, const char *filter, char *why,
                 size_t whylen);
/*
 * Prints to out the capture time of each packet of file matching filter,
 * one line each, in file order: seconds since the epoch with microseconds
 * ("1764759600.123456"), the clock every interface of one pcap-capture
 * shares, so that times from two of its files can be compared. Returns 0,
 * or -1 with why (the lines before the damage are printed).
 */
int  judge_times(const char *file, const char *filter, FILE *out, char *why,
                 size_t whylen);

/* ---- cksum.c: Internet checksums, checked on captured frames ------------ */

/* One's complement sum of len bytes added to sum (RFC 1071), not folded. */
uint32_t cksum_add(uint32_t sum, const uint8_t *p, size_t len);
/* Folds a sum to 16 bits and complements it: the value for the wire. */
uint16_t cksum_fold(uint32_t sum);

enum cksum_result {
	CK_OK,          /* IPv4 header (and ICMP, when present) checksums right */
	CK_HDR_ONLY,    /* IPv4 header right; ICMP not checkable (fragment, snaplen) */
	CK_BAD,         /* a checksum is wrong, or a length field lies; see why */
	CK_NOT_IPV4,    /* not an IPv4 packet, or a link type we cannot read */
	CK_TRUNCATED,   /* not even the IPv4 header was captured */
};
/*
 * Checks the IPv4 header checksum of a captured frame of link type dlt,
 * and the ICMP checksum when the packet is a whole, captured, unfragmented
 * ICMP message. On CK_BAD, why says which checksum and both values.
 */
enum cksum_result cksum_check_frame(int dlt, const uint8_t *pkt,
                                    size_t caplen, char *why, size_t whylen);

#endif /* VERIFY_H */
