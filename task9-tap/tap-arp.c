/*
 * tap-arp - a TAP interface whose "other side" answers every ARP request
 * (SEED task 9).
 *
 * A TAP device hands the program whole Ethernet frames, so the kernel
 * first has to resolve the next hop's MAC address: it broadcasts an ARP
 * request and waits. Nobody is on the other side of tap0 except this
 * program, so it answers: "192.168.53.33 is-at aa:bb:cc:dd:ee:ff", for
 * any address asked about. The kernel believes it, and the frames it then
 * sends (a ping, say) arrive addressed to the fake MAC.
 *
 *   tap-arp [-v] [--name tap0] [--tap-addr 192.168.53.99/24] [--fake-mac MAC]
 *
 * Prints one line per frame read, and one per reply sent:
 *   Frame: 5e:..:01 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 192.168.53.33 tell 192.168.53.99
 *   Spoofed ARP reply: 192.168.53.33 is-at aa:bb:cc:dd:ee:ff to 5e:..:01
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "vpnlab.h"

#define ETH_P_ARP_    0x0806
#define ARP_LEN       28                      /* Ethernet/IPv4 ARP body */
#define ARP_FRAME_LEN (VL_ETH_HDR + ARP_LEN)  /* no padding needed on TAP */

struct tap {
	int fd;
	char ifname[IFNAMSIZ];
	uint8_t fake_mac[6];
	struct log_limit bad_frame, io_err;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: tap-arp [-v] [--name NAME] [--tap-addr A/P] [--fake-mac MAC]\n"
	    "  A TAP interface; prints every Ethernet frame the kernel sends\n"
	    "  into it and answers each ARP request with a spoofed reply\n"
	    "  (SEED task 9).\n"
	    "  --name NAME      TAP interface name (default tap0)\n"
	    "  --tap-addr A/P   its address (default 192.168.53.99/24)\n"
	    "  --fake-mac MAC   the MAC every reply claims (default aa:bb:cc:dd:ee:ff)\n"
	    "  -v               debug logging\n");
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
	           &b[4], &b[5], &end) != 6) {
		log_warnx("\"%s\" is not a MAC address such as aa:bb:cc:dd:ee:ff", s);
		return -1;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

/*
 * Builds, into out (ARP_FRAME_LEN bytes), the reply to `req` saying that
 * req->tpa is at `mac`. RFC 826: swap sender and target, set op 2.
 */
static void
arp_reply_build(const struct arp_info *req, const uint8_t mac[6],
                uint8_t out[ARP_FRAME_LEN])
{
	/* SOLUTION BEGIN: fill out (ARP_FRAME_LEN bytes): the Ethernet header to
	 * the asker (req->sha) from the fake MAC (mac), type ETH_P_ARP_; then
	 * the ARP reply: hardware 1 (Ethernet), protocol 0x0800 (IPv4), sizes
	 * 6 and 4, op 2 (reply), sender = the fake MAC + the address asked for
	 * (req->tpa), target = the asker (req->sha, req->spa); all 16-bit
	 * fields in network order (put16) */
	uint8_t *arp = out + VL_ETH_HDR;

	memcpy(out, req->sha, 6);                /* to whoever asked */
	memcpy(out + 6, mac, 6);                 /* from the fake MAC */
	put16(out + 12, ETH_P_ARP_);
	put16(arp, 1);                           /* hardware: Ethernet */
	put16(arp + 2, 0x0800);                  /* protocol: IPv4 */
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, 2);                       /* reply */
	memcpy(arp + 8, mac, 6);                 /* sender: the fake MAC ... */
	memcpy(arp + 14, &req->tpa, 4);          /* ... has the address asked for */
	memcpy(arp + 18, req->sha, 6);           /* target: the asker */
	memcpy(arp + 24, &req->spa, 4);
	/* SOLUTION STUB: memset(out, 0, ARP_FRAME_LEN); */
	/* SOLUTION END */
}

/* Reads one frame, prints it, answers it if it is an ARP request. */
static int
tap_serve(struct tap *t)
{
	uint8_t frame[VL_FRAME_MAX], reply[ARP_FRAME_LEN];
	char line[VL_SUMMARY_MAX], tpa[INET_ADDRSTRLEN], m1[18], m2[18];
	struct eth_info eth;
	struct arp_info arp;
	const char *why;
	ssize_t n;

	n = read(t->fd, frame, sizeof(frame));
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (tunnel_dev_gone(errno)) {
			log_warn("read %s: the interface is gone", t->ifname);
			return -1;
		}
		log_limited(&t->io_err, "read %s failed: %s", t->ifname,
		            strerror(errno));
		return 0;
	}
	printf("Frame: %s\n", eth_summary(frame, (size_t)n, line, sizeof(line)));

	/* SOLUTION BEGIN: parse the frame's Ethernet header (eth_parse), then, for
	 * an ARP frame (ETH_P_ARP_; others are ignored), its ARP message
	 * (arp_parse; both bounds-checked); a malformed frame is logged, saying
	 * what was wrong and who sent it (log_limited, t->bad_frame), and not
	 * answered. Answer requests (op 1) that are not gratuitous (sender and
	 * target address differ) with a spoofed reply (arp_reply_build with
	 * t->fake_mac, write() to t->fd, a failure logged) and print
	 * "Spoofed ARP reply: IP is-at FAKE-MAC to ASKER-MAC"; return 0 */
	if (eth_parse(frame, (size_t)n, &eth, &why) == -1) {
		log_limited(&t->bad_frame, "%s: %zd-byte frame dropped: %s",
		            t->ifname, n, why);
		return 0;
	}
	if (eth.type != ETH_P_ARP_)
		return 0;
	if (arp_parse(eth.payload, eth.payload_len, &arp, &why) == -1) {
		log_limited(&t->bad_frame, "%s: ARP frame from %s not answered: "
		            "%s", t->ifname, mac_str(eth.src, m1), why);
		return 0;
	}
	if (arp.op != 1 || arp.spa.s_addr == arp.tpa.s_addr)
		return 0;   /* a reply, or a gratuitous announcement */
	arp_reply_build(&arp, t->fake_mac, reply);
	if (write(t->fd, reply, sizeof(reply)) == -1) {
		log_limited(&t->io_err, "write ARP reply to %s failed: %s",
		            t->ifname, strerror(errno));
		return 0;
	}
	inet_ntop(AF_INET, &arp.tpa, tpa, sizeof(tpa));
	printf("Spoofed ARP reply: %s is-at %s to %s\n", tpa,
	       mac_str(t->fake_mac, m1), mac_str(arp.sha, m2));
	/* SOLUTION STUB: log_warnx("task 9: answering ARP requests is not written yet (task9-tap/tap-arp.c)"); return 0; */
	/* SOLUTION END */
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "tap-addr", required_argument, NULL, 'a' },
		{ "fake-mac", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = "tap0", *addr = "192.168.53.99/24";
	const char *mac = "aa:bb:cc:dd:ee:ff";
	struct tap t = { .fd = -1 };
	int ch, verbosity = LL_INFO, ret = 1;

	while ((ch = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'n': name = optarg; break;
		case 'a': addr = optarg; break;
		case 'm': mac = optarg; break;
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
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_mac(mac, t.fake_mac) == -1)
		return 2;
	if (signals_init() == -1)
		return 1;

	/* SOLUTION BEGIN: t.fd: a TAP (not TUN: TUN_MODE_TAP) device with its
	 * address addr, up, no routes, its name in t.ifname: tunnel_dev_up()
	 * (common/tunnel.h); -1 when it failed (it says why) */
	t.fd = tunnel_dev_up(name, TUN_MODE_TAP, addr, NULL, 0, 0, false,
	                     t.ifname);
	/* SOLUTION STUB: t.fd = -1; log_warnx("task 9: the TAP device is not set up yet (task9-tap/tap-arp.c)"); */
	/* SOLUTION END */
	if (t.fd == -1)
		return 1;
	log_info("%s %s up; answering ARP requests as %s", t.ifname, addr, mac);

	while (!signals_stop_requested()) {
		if (tap_serve(&t) == -1)
			goto out;
	}
	log_info("stopping on signal %d", signals_last());
	ret = 0;
out:
	close(t.fd);
	return ret;
}
