/*
 * rule.c - reading pcap-verify's rules, from the command line or from an
 * expectation file, into a struct rule.
 *
 * The two spellings say the same things:
 *
 *   command line                        expectation-file line
 *   --at-least N FILTER                 at-least N FILTER...
 *   --at-most N FILTER                  at-most N FILTER...
 *   --exactly N FILTER                  exactly N FILTER...
 *   --none FILTER                       none FILTER...
 *   --marker TEXT [--in FILTER]         marker TEXT [in FILTER...]
 *   --no-marker TEXT [--in FILTER]      no-marker TEXT [in FILTER...]
 *   --marker-hex HEX [--in FILTER]      marker-hex HEX [in FILTER...]
 *   --no-marker-hex HEX [--in FILTER]   no-marker-hex HEX [in FILTER...]
 *   --checksums-ok FILTER               checksums-ok [FILTER...]
 *
 * In a file, TEXT is one word or a "double-quoted string" with C escapes
 * (\" \\ \n \r \t \xHH), and the filter is the rest of the line. A rule's
 * canonical text, its default label, is its expectation-file spelling.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

static const struct {
	const char    *name;     /* file spelling; the option adds "--" */
	enum rule_kind kind;
	bool           hex;
} kinds[] = {
	{ "at-least",      RULE_AT_LEAST,     false },
	{ "at-most",       RULE_AT_MOST,      false },
	{ "exactly",       RULE_EXACTLY,      false },
	{ "none",          RULE_NONE,         false },
	{ "marker",        RULE_MARKER,       false },
	{ "no-marker",     RULE_NO_MARKER,    false },
	{ "marker-hex",    RULE_MARKER,       true  },
	{ "no-marker-hex", RULE_NO_MARKER,    true  },
	{ "checksums-ok",  RULE_CHECKSUMS_OK, false },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static int
bad(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *
kind_name(const struct rule *r)
{
	for (size_t k = 0; k < NKINDS; k++)
		if (kinds[k].kind == r->kind && kinds[k].hex == r->hex)
			return kinds[k].name;
	return "?";
}

static bool
is_marker(const struct rule *r)
{
	return r->kind == RULE_MARKER || r->kind == RULE_NO_MARKER;
}

static bool
is_count(const struct rule *r)
{
	return r->kind == RULE_AT_LEAST || r->kind == RULE_AT_MOST ||
	       r->kind == RULE_EXACTLY;
}

/* A packet count: decimal digits only, no sign, no trailing junk. */
static int
parse_count(const char *s, unsigned long *n, char *why, size_t whylen)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return bad(why, whylen, "'%s' is not a packet count (a whole "
		           "number like 3)", s);
	errno = 0;
	*n = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return bad(why, whylen, "'%s' is not a packet count (a whole "
		           "number like 3)", s);
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "deadbeef", "0xdeadbeef", "de:ad:be:ef", "de ad be ef" -> bytes. */
static int
parse_hex(const char *s, struct rule *r, char *why, size_t whylen)
{
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	r->marker_len = 0;
	for (const char *p = s; *p; p++) {
		int v;

		if (*p == ':' || *p == ' ' || *p == '-' || *p == '.')
			continue;
		if ((v = hexval((unsigned char)*p)) < 0)
			return bad(why, whylen, "'%c' is not a hex digit in marker "
			           "'%s'", *p, s);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (r->marker_len == RULE_MARKER_MAX)
			return bad(why, whylen, "hex marker longer than %d bytes",
			           RULE_MARKER_MAX);
		r->marker[r->marker_len++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		return bad(why, whylen, "hex marker '%s' has an odd number of "
		           "digits", s);
	if (r->marker_len == 0)
		return bad(why, whylen, "empty marker");
	return 0;
}

static int
set_text_marker(struct rule *r, const char *s, size_t len, char *why,
                size_t whylen)
{
	if (len == 0)
		return bad(why, whylen, "empty marker");
	if (len > RULE_MARKER_MAX)
		return bad(why, whylen, "marker longer than %d bytes",
		           RULE_MARKER_MAX);
	memcpy(r->marker, s, len);
	r->marker_len = len;
	return 0;
}

static int
set_filter(struct rule *r, const char *filter, char *why, size_t whylen)
{
	free(r->filter);
	if ((r->filter = strdup(filter)) == NULL)
		return bad(why, whylen, "out of memory copying a filter");
	return 0;
}

static int
find_kind(const char *name, struct rule *r, char *why, size_t whylen)
{
	for (size_t k = 0; k < NKINDS; k++) {
		if (strcmp(name, kinds[k].name) == 0) {
			r->kind = kinds[k].kind;
			r->hex = kinds[k].hex;
			return 0;
		}
	}
	return bad(why, whylen, "unknown rule '%s' (known: at-least, at-most, "
	           "exactly, none, marker, no-marker, marker-hex, "
	           "no-marker-hex, checksums-ok)", name);
}

int
rule_from_args(char **words, int nwords, int *i, struct rule *r, char *why,
               size_t whylen)
{
	const char *opt = words[*i];
	int need;

	memset(r, 0, sizeof(*r));
	if (strncmp(opt, "--", 2) != 0 || find_kind(opt + 2, r, why, whylen))
		return bad(why, whylen, "unknown rule option '%s'", opt);
	need = is_count(r) ? 2 : 1;
	if (*i + need >= nwords)
		return bad(why, whylen, "%s needs %s", opt, is_count(r) ?
		           "a count and a filter" : is_marker(r) ? "a marker" :
		           "a filter (use '' for every packet)");
	if (is_count(r)) {
		if (parse_count(words[*i + 1], &r->n, why, whylen) ||
		    set_filter(r, words[*i + 2], why, whylen))
			return -1;
	} else if (is_marker(r)) {
		const char *m = words[*i + 1];

		if (r->hex ? parse_hex(m, r, why, whylen) :
		    set_text_marker(r, m, strlen(m), why, whylen))
			return -1;
		if (set_filter(r, "", why, whylen))
			return -1;
	} else if (set_filter(r, words[*i + 1], why, whylen)) {
		return -1;
	}
	*i += need + 1;
	return 0;
}

int
rule_set_scope(struct rule *r, const char *filter, char *why, size_t whylen)
{
	if (!is_marker(r))
		return bad(why, whylen, "--in only goes with a marker rule; "
		           "the %s rule takes its filter directly", kind_name(r));
	return set_filter(r, filter, why, whylen);
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Copies the next whitespace-delimited word of *s into out; advances *s. */
static int
next_word(const char **s, char *out, size_t outlen)
{
	const char *p = skip_space(*s), *start = p;

	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (p == start || (size_t)(p - start) >= outlen)
		return -1;
	memcpy(out, start, (size_t)(p - start));
	out[p - start] = '\0';
	*s = p;
	return 0;
}

/* Reads a "double-quoted" marker with C escapes at *s into r. */
static int
parse_quoted(const char **s, struct rule *r, char *why, size_t whylen)
{
	const char *p = *s + 1;
	size_t n = 0;

	for (; *p && *p != '"'; p++) {
		int c = (unsigned char)*p;

		if (c == '\\') {
			switch (*++p) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '0': c = '\0'; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x':
				if (hexval((unsigned char)p[1]) < 0 ||
				    hexval((unsigned char)p[2]) < 0)
					return bad(why, whylen, "\\x needs two hex "
					           "digits in a quoted marker");
				c = hexval((unsigned char)p[1]) << 4 |
				    hexval((unsigned char)p[2]);
				p += 2;
				break;
			default:
				return bad(why, whylen, "unknown escape '\\%c' in a "
				           "quoted marker", *p ? *p : '0');
			}
		}
		if (n == RULE_MARKER_MAX)
			return bad(why, whylen, "marker longer than %d bytes",
			           RULE_MARKER_MAX);
		r->marker[n++] = (uint8_t)c;
	}
	if (*p != '"')
		return bad(why, whylen, "quoted marker has no closing '\"'");
	if (n == 0)
		return bad(why, whylen, "empty marker");
	r->marker_len = n;
	*s = p + 1;
	return 0;
}

int
rule_from_line(const char *line, struct rule *r, char *why, size_t whylen)
{
	char word[RULE_MARKER_MAX * 3];
	const char *s = line, *rest;

	memset(r, 0, sizeof(*r));
	if (next_word(&s, word, sizeof(word)) || find_kind(word, r, why, whylen))
		return bad(why, whylen, "unknown rule '%s' (known: at-least, "
		           "at-most, exactly, none, marker, no-marker, "
		           "marker-hex, no-marker-hex, checksums-ok)", line);
	if (is_count(r)) {
		if (next_word(&s, word, sizeof(word)))
			return bad(why, whylen, "%s needs a count, then a filter",
			           kind_name(r));
		if (parse_count(word, &r->n, why, whylen))
			return -1;
	}
	if (is_marker(r)) {
		s = skip_space(s);
		if (!r->hex && *s == '"') {
			if (parse_quoted(&s, r, why, whylen))
				return -1;
			if (*s && *s != ' ' && *s != '\t')
				return bad(why, whylen, "text after the closing '\"' "
				           "of the marker");
		} else {
			if (next_word(&s, word, sizeof(word)))
				return bad(why, whylen, "%s needs a marker",
				           kind_name(r));
			if (r->hex ? parse_hex(word, r, why, whylen) :
			    set_text_marker(r, word, strlen(word), why, whylen))
				return -1;
		}
		rest = skip_space(s);
		if (*rest == '\0')
			return set_filter(r, "", why, whylen);
		if (strcmp(rest, "in") == 0)
			return bad(why, whylen, "'in' needs a filter");
		if (strncmp(rest, "in", 2) != 0 ||
		    (rest[2] != ' ' && rest[2] != '\t'))
			return bad(why, whylen, "after the marker, expected "
			           "'in FILTER' or the end of the line, got '%s'",
			           rest);
		rest = skip_space(rest + 2);
		if (*rest == '\0')
			return bad(why, whylen, "'in' needs a filter");
		return set_filter(r, rest, why, whylen);
	}
	return set_filter(r, skip_space(s), why, whylen);
}

const char *
rule_marker_str(const struct rule *r, char *out, size_t outlen)
{
	size_t used = 0;

	if (outlen == 0)
		return out;
	out[0] = '\0';
	if (r->hex) {
		used += (size_t)snprintf(out, outlen, "0x");
		for (size_t i = 0; i < r->marker_len && used < outlen; i++)
			used += (size_t)snprintf(out + used, outlen - used, "%02x",
			                         r->marker[i]);
		return out;
	}
	used += (size_t)snprintf(out, outlen, "\"");
	for (size_t i = 0; i < r->marker_len && used < outlen; i++) {
		int c = r->marker[i];

		if (c == '"' || c == '\\')
			used += (size_t)snprintf(out + used, outlen - used, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			used += (size_t)snprintf(out + used, outlen - used, "%c", c);
		else
			used += (size_t)snprintf(out + used, outlen - used, "\\x%02x",
			                         c);
	}
	if (used < outlen)
		snprintf(out + used, outlen - used, "\"");
	return out;
}

int
rule_finish(struct rule *r, char *why, size_t whylen)
{
	char m[RULE_MARKER_MAX * 4 + 8];
	size_t len;

	if (r->filter == NULL && set_filter(r, "", why, whylen))
		return -1;
	len = strlen(r->filter) + sizeof(m) + 64;
	free(r->text);
	if ((r->text = malloc(len)) == NULL)
		return bad(why, whylen, "out of memory");
	if (is_count(r))
		snprintf(r->text, len, "%s %lu%s%s", kind_name(r), r->n,
		         *r->filter ? " " : "", r->filter);
	else if (is_marker(r))
		snprintf(r->text, len, "%s %s%s%s", kind_name(r),
		         rule_marker_str(r, m, sizeof(m)) + (r->hex ? 2 : 0),
		         *r->filter ? " in " : "", r->filter);
	else
		snprintf(r->text, len, "%s%s%s", kind_name(r),
		         *r->filter ? " " : "", r->filter);
	return 0;
}

void
rule_free(struct rule *r)
{
	free(r->filter);
	free(r->text);
	r->filter = r->text = NULL;
}
