/*
 * verify.c - pcap-verify: judge a capture file against BPF-based rules.
 *
 *   pcap-verify [--label TEXT] FILE.pcap RULE      one rule, one line
 *   pcap-verify [--label TEXT] -f EXPECTFILE FILE.pcap
 *   pcap-verify --count FILTER FILE.pcap           just the number
 *   pcap-verify --times FILTER FILE.pcap           the matches' times
 *
 * The checks read our stdout: one "PASS label: ..." or "FAIL label: ..."
 * line per rule. Exit 0 when every rule passed, 1 when one failed, 2 when
 * one could not be judged (the most serious wins).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpnlab.h"
#include "verify.h"

#define LINE_MAX_ 4096   /* longest expectation-file line */

static void
usage(FILE *f)
{
	fputs(
"usage: pcap-verify [--label TEXT] [--allow-empty] FILE.pcap RULE\n"
"       pcap-verify [--label TEXT] -f EXPECTFILE FILE.pcap\n"
"       pcap-verify --count FILTER FILE.pcap\n"
"       pcap-verify --times FILTER FILE.pcap\n"
"       pcap-verify --help\n"
"\n"
"Judges a capture file (pcap or pcapng, as tcpdump -w and pcap-capture\n"
"write) and prints one line per rule:\n"
"  PASS <label>: at least 3 packets match 'icmp' (seen 5 of 12 in FILE)\n"
"  FAIL <label>: expected at least 3 packets to match 'icmp', seen 1 of 12 in FILE\n"
"  FAIL <label>: cannot judge: <why>      (no file, not a capture, bad filter)\n"
"The label defaults to the rule's text (its expectation-file spelling).\n"
"\n"
"RULE is exactly one of:\n"
"  --at-least N FILTER    at least N packets match FILTER\n"
"  --at-most N FILTER     at most N packets match FILTER\n"
"  --exactly N FILTER     exactly N packets match FILTER\n"
"  --none FILTER          no packet matches FILTER\n"
"  --marker TEXT [--in FILTER]\n"
"                         the bytes of TEXT appear in at least one packet\n"
"                         matching FILTER (default: any packet)\n"
"  --no-marker TEXT [--in FILTER]\n"
"                         the bytes of TEXT appear in no such packet: the\n"
"                         secret never crossed this wire in clear\n"
"  --marker-hex HEX [--in FILTER], --no-marker-hex HEX [--in FILTER]\n"
"                         the same with bytes given in hex: deadbeef,\n"
"                         0xdeadbeef, de:ad:be:ef\n"
"  --checksums-ok FILTER  every IPv4 packet matching FILTER has a right\n"
"                         header checksum and, if it is a whole unfragmented\n"
"                         ICMP message, a right ICMP checksum; fails if no\n"
"                         IPv4 packet matches ('' means every packet).\n"
"                         TCP/UDP checksums are not judged (offloaded on\n"
"                         veth/TUN, so partial in captures)\n"
"\n"
"A capture with no packet at all proves nothing: --none, --at-most,\n"
"--exactly 0 and --no-marker FAIL on it (\"nothing to judge\") unless\n"
"--allow-empty says an empty capture is what a correct program gives.\n"
"\n"
"FILTER is a BPF filter in tcpdump syntax (see pcap-filter(7)), compiled\n"
"for the file's link type: Ethernet for veth and bridges, raw IP for TUN.\n"
"Markers are searched in each captured packet on its own: a marker split\n"
"across two TCP segments is not found. Packets are numbered from 1 in file\n"
"order (as Wireshark numbers them); times are offsets from the first packet.\n"
"\n"
"-f EXPECTFILE: one rule per line, one output line per rule; blank lines\n"
"and lines starting with '#' are skipped:\n"
"  at-least 3 icmp and src 10.9.0.5\n"
"  at-most 2 arp        exactly 6 icmp        none icmp\n"
"  marker SECRET        marker \"two words\\x00\" in udp port 9090\n"
"  no-marker SECRET in tcp port 4433\n"
"  marker-hex deadbeef  no-marker-hex de:ad:be:ef in udp\n"
"  checksums-ok icmp\n"
"With --label, each line's label is \"TEXT: rule\".\n"
"\n"
"--count FILTER FILE prints the number of matching packets (exit 2 and a\n"
"message on stderr if the file cannot be read).\n"
"--times FILTER FILE prints the capture time of each matching packet, one\n"
"a line, in file order, as seconds since the epoch (1764759600.123456):\n"
"the interfaces of one pcap-capture share that clock, so the times in two\n"
"of its files say which packet came first (exit 2 as for --count).\n"
"\n"
"Exit status: 0 all rules passed, 1 a rule failed, 2 a rule could not be\n"
"judged.\n", f);
}

static enum verdict
worst(enum verdict a, enum verdict b)
{
	return a > b ? a : b;
}

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	       s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* -f mode: judge every rule of expectfile against file. */
static enum verdict
run_expect_file(const char *expectfile, const char *file, const char *prefix)
{
	char line[LINE_MAX_], why[RULE_WHY_MAX], label[LINE_MAX_ + 256];
	enum verdict v = V_PASS;
	unsigned lineno = 0, nrules = 0;
	struct rule r;
	FILE *f;

	if ((f = fopen(expectfile, "r")) == NULL)
		return judge_cannot(prefix ? prefix : expectfile,
		                    "cannot open expectation file %s: %s",
		                    expectfile, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			int c;

			while ((c = getc(f)) != EOF && c != '\n')
				;       /* skip the rest of the long line */
			v = worst(v, judge_cannot(expectfile, "line %u is longer "
			          "than %d bytes", lineno, LINE_MAX_ - 2));
			continue;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		nrules++;
		snprintf(label, sizeof(label), "%s%s%s", prefix ? prefix : "",
		         prefix ? ": " : "", s);
		if (rule_from_line(s, &r, why, sizeof(why)) ||
		    rule_finish(&r, why, sizeof(why))) {
			v = worst(v, judge_cannot(label, "%s line %u: %s",
			          expectfile, lineno, why));
			rule_free(&r);
			continue;
		}
		snprintf(label, sizeof(label), "%s%s%s", prefix ? prefix : "",
		         prefix ? ": " : "", r.text);
		v = worst(v, judge(&r, file, label));
		rule_free(&r);
	}
	if (ferror(f))
		v = worst(v, judge_cannot(expectfile, "reading %s: %s", expectfile,
		          strerror(errno)));
	if (fclose(f) == EOF)
		v = worst(v, judge_cannot(expectfile, "closing %s: %s", expectfile,
		          strerror(errno)));
	if (nrules == 0 && v == V_PASS)
		v = judge_cannot(prefix ? prefix : expectfile, "%s holds no rule",
		                 expectfile);
	return v;
}

static enum verdict
run_times(const char *filter, const char *file)
{
	char why[1024];

	if (judge_times(file, filter, stdout, why, sizeof(why)) == -1) {
		log_warnx("%s", why);
		return V_CANNOT;
	}
	return V_PASS;
}

static enum verdict
run_count(const char *filter, const char *file)
{
	char why[1024];
	long n;

	if ((n = judge_count(file, filter, why, sizeof(why))) < 0) {
		log_warnx("%s", why);
		return V_CANNOT;
	}
	printf("%ld\n", n);
	return V_PASS;
}

/* Prints the cannot-judge line for a command line we cannot read. */
static int
bad_usage(const char *label, const char *why)
{
	judge_cannot(label ? label : "pcap-verify", "%s (see pcap-verify --help)",
	             why);
	return V_CANNOT;
}

int
main(int argc, char **argv)
{
	const char *label = NULL, *file = NULL, *expectfile = NULL,
	           *count_filter = NULL, *times_filter = NULL;
	char why[RULE_WHY_MAX];
	struct rule r;
	bool have_rule = false, allow_empty = false;
	enum verdict v;

	log_init(argv[0], LL_INFO);
	memset(&r, 0, sizeof(r));
	for (int i = 1; i < argc;) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			rule_free(&r);
			return 0;
		}
		if (strcmp(a, "--allow-empty") == 0) {
			allow_empty = true;
			i++;
			continue;
		}
		if (strcmp(a, "--label") == 0 || strcmp(a, "-f") == 0 ||
		    strcmp(a, "--count") == 0 || strcmp(a, "--times") == 0 ||
		    strcmp(a, "--in") == 0) {
			if (i + 1 >= argc) {
				snprintf(why, sizeof(why), "%s needs an argument", a);
				goto usage_error;
			}
			if (strcmp(a, "--label") == 0) {
				label = argv[i + 1];
			} else if (strcmp(a, "-f") == 0) {
				expectfile = argv[i + 1];
			} else if (strcmp(a, "--count") == 0) {
				count_filter = argv[i + 1];
			} else if (strcmp(a, "--times") == 0) {
				times_filter = argv[i + 1];
			} else {
				if (!have_rule) {
					snprintf(why, sizeof(why), "--in comes after a "
					         "marker rule");
					goto usage_error;
				}
				if (rule_set_scope(&r, argv[i + 1], why, sizeof(why)))
					goto usage_error;
			}
			i += 2;
		} else if (strncmp(a, "--", 2) == 0 && a[2] != '\0') {
			if (have_rule) {
				snprintf(why, sizeof(why), "give exactly one rule (a "
				         "second one starts at '%s'); use -f for many", a);
				goto usage_error;
			}
			if (rule_from_args(argv, argc, &i, &r, why, sizeof(why)))
				goto usage_error;
			have_rule = true;
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && file == NULL) {
			file = argv[i + 1];
			i += 2;
		} else if (a[0] == '-' && a[1] != '\0') {
			snprintf(why, sizeof(why), "unknown option '%s'", a);
			goto usage_error;
		} else if (file == NULL) {
			file = a;
			i++;
		} else {
			snprintf(why, sizeof(why), "one capture file only; '%s' and "
			         "'%s' given", file, a);
			goto usage_error;
		}
	}
	if (file == NULL) {
		snprintf(why, sizeof(why), "no capture file given");
		goto usage_error;
	}
	if ((expectfile != NULL) + (count_filter != NULL) +
	    (times_filter != NULL) + have_rule != 1) {
		snprintf(why, sizeof(why), "give exactly one of: a rule, -f "
		         "EXPECTFILE, --count FILTER, --times FILTER");
		goto usage_error;
	}
	if (count_filter) {
		v = run_count(count_filter, file);
	} else if (times_filter) {
		v = run_times(times_filter, file);
	} else if (expectfile) {
		v = run_expect_file(expectfile, file, label);
	} else {
		if (rule_finish(&r, why, sizeof(why)))
			goto usage_error;
		r.allow_empty = allow_empty;
		v = judge(&r, file, label ? label : r.text);
		rule_free(&r);
	}
	if (fflush(stdout) == EOF) {
		log_warn("writing the verdict to stdout");
		return V_CANNOT;
	}
	return v;

usage_error:
	if (have_rule && label == NULL && rule_finish(&r, why + strlen(why),
	    0) == 0)
		label = r.text;
	bad_usage(label, why);
	rule_free(&r);
	return V_CANNOT;
}
