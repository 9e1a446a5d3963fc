/*
 * tun_demo.c - SEED VPN Tunneling Lab task 2, in C.
 *
 *   2.a  create a TUN interface whose name starts with a chosen prefix
 *   2.b  give it an address and bring it up, from the program (netlink)
 *   2.c  read packets from it and print a one-line summary of each
 *   2.d  answer ICMP echo requests by writing replies into the TUN
 *        (--respond), or write arbitrary bytes instead (--garbage)
 *
 * The contract (what a check relies on) is in README.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tun_demo.h"

enum reply_mode { REPLY_NONE, REPLY_ECHO, REPLY_GARBAGE };

struct tun_demo {
	int fd;
	char ifname[IFNAMSIZ];
	enum reply_mode mode;
	struct log_limit bad_write;
	uint8_t pkt[VL_IP_MAX];        /* one whole IPv4 datagram */
	uint8_t reply[VL_IP_MAX];
};

/* Not an IP packet: version nibble 7. The kernel must refuse it. */
static const char garbage[] = "this is not an IP packet, just bytes written "
                              "into the TUN device (task 2.d)";

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tun-demo [--name PREFIX] [--addr ADDR/LEN] [--respond | --garbage] [-v]\n"
	    "  SEED VPN lab task 2: a TUN interface and what reaches it.\n"
	    "  --name PREFIX   interface name prefix (default tun): PREFIX0, PREFIX1, ...\n"
	    "  --addr A/LEN    give the interface this address and bring it up\n"
	    "                  (e.g. 192.168.53.99/24); without it, do it with ip(8)\n"
	    "  --respond       answer ICMP echo requests (task 2.d)\n"
	    "  --garbage       answer every packet with bytes that are not IP\n"
	    "  -v              debug output\n"
	    "Prints \"Interface Name: NAME\", then one line per packet read,\n"
	    "tcpdump-style, and \"  reply: ...\" for each reply written.\n");
}

static void
answer(struct tun_demo *t, size_t len)
{
	const char *why = NULL;
	char line[VL_SUMMARY_MAX];
	const void *out;
	size_t outlen;
	int n;

	/* SOLUTION BEGIN: build the reply: with --respond (t->mode ==
	 * REPLY_ECHO) echo_reply_build() into t->reply (n < 0: log_debug() why
	 * and send nothing) and print "  reply: SUMMARY" (ipv4_summary); with
	 * --garbage the bytes of garbage (without its final NUL) and print
	 * "  reply: N bytes that are not an IP packet". fflush(stdout), then
	 * write() it to the TUN (t->fd); log a failed or short write
	 * (log_limited, t->bad_write) */
	if (t->mode == REPLY_ECHO) {
		n = echo_reply_build(t->pkt, len, t->reply, sizeof(t->reply), &why);
		if (n < 0) {
			log_debug("no reply: %s", why);
			return;
		}
		out = t->reply;
		outlen = (size_t)n;
		printf("  reply: %s\n", ipv4_summary(out, outlen, line, sizeof(line)));
	} else {
		out = garbage;
		outlen = sizeof(garbage) - 1;
		printf("  reply: %zu bytes that are not an IP packet\n", outlen);
	}
	fflush(stdout);
	ssize_t w = write(t->fd, out, outlen);
	if (w == -1)
		log_limited(&t->bad_write, "write %zu bytes to %s: %s%s", outlen,
		    t->ifname, strerror(errno), errno == EINVAL ?
		    " (the kernel refused it: not an IPv4 or IPv6 packet)" : "");
	else if ((size_t)w != outlen)
		log_limited(&t->bad_write, "write to %s: only %zd of %zu bytes",
		    t->ifname, w, outlen);
	/* SOLUTION END */
}

static int
run(struct tun_demo *t)
{
	char line[VL_SUMMARY_MAX];

	while (!signals_stop_requested()) {
		ssize_t n;

		/* SOLUTION BEGIN: read() one packet from the TUN (t->fd) into t->pkt
		 * (n bytes; EINTR: continue; any other error: log_warn() and
		 * return -1), print its summary line (ipv4_summary) and
		 * fflush(stdout) */
		n = read(t->fd, t->pkt, sizeof(t->pkt));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("read from %s", t->ifname);
			return -1;
		}
		printf("%s\n", ipv4_summary(t->pkt, (size_t)n, line, sizeof(line)));
		fflush(stdout);
		/* SOLUTION STUB: log_warnx("task 2.c: reading packets is not written yet (task2-tun/tun_demo.c)"); return -1; */
		/* SOLUTION END */
		if (t->mode != REPLY_NONE)
			answer(t, (size_t)n);
	}
	log_info("stopping on signal %d", signals_last());
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "addr", required_argument, NULL, 'a' },
		{ "respond", no_argument, NULL, 'r' },
		{ "garbage", no_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct tun_demo t;      /* 128 KiB of buffers: not on the stack */
	const char *name = "tun", *addr = NULL;
	struct in_addr a;
	int opt, plen = 0, verbosity = LL_INFO;

	while ((opt = getopt_long(argc, argv, "n:a:rgvh", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': name = optarg; break;
		case 'a': addr = optarg; break;
		case 'r': t.mode = REPLY_ECHO; break;
		case 'g': t.mode = REPLY_GARBAGE; break;
		case 'v': verbosity = LL_DEBUG; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(argv[0], verbosity);
	if (addr && addr_parse_prefix(addr, &a, &plen) == -1)
		return 2;
	if (signals_init() == -1)
		return 1;

	if ((t.fd = tun_open(name, TUN_MODE_TUN, false, t.ifname)) == -1)
		return 1;
	printf("Interface Name: %s\n", t.ifname);
	fflush(stdout);
	if (addr) {
		if (nl_addr_add(t.ifname, a, plen) == -1 ||
		    nl_link_up(t.ifname, 0) == -1)
			return 1;
		printf("Address: %s, up\n", addr);
		fflush(stdout);
	}
	int rc = run(&t) == -1 ? 1 : 0;
	close(t.fd);
	return rc;
}
