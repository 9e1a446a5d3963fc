/*
 * capture.c - pcap-capture: capture interfaces of several network
 * namespaces at once, each into its own .pcap file.
 *
 * A packet socket belongs to the network namespace it was created in, and
 * keeps capturing there after the process leaves. So for each NS:IF we
 * setns() into NS, activate a pcap handle on IF (the AF_PACKET socket is
 * made then), and setns() back to where we started. One poll() loop then
 * serves every handle, writing each packet as it is read; the files are
 * flushed in batches (see FLUSH_MS below).
 *
 * The check scripts start us in the background and wait for --ready FILE,
 * which appears only once every handle is capturing, so no packet of the
 * scenario is sent before we listen.
 *
 * Why not immediate mode: with it, Linux libpcap uses TPACKET_V2, one
 * ring slot per packet, and a slot is ~64 KiB once veth's offloads allow
 * 64 KiB packets: a 4 MiB ring holds about 64 packets. On this 2-core machine
 * that lost 20-60% of a 2000 pings/s run. Without it (TPACKET_V3), the
 * kernel packs packets into 256 KiB blocks and hands a block over when it
 * is full or BLOCK_TIMEOUT_MS after it was opened: no loss in the same
 * runs, nor in a ping flood (10,000 packets in 40 ms). The last, partly
 * filled block is what a stop could miss, so on SIGTERM or -t we keep
 * reading for STOP_GRACE_MS before closing. --immediate is still there.
 * Files are flushed at least every FLUSH_MS rather than every packet, so
 * a SIGKILL loses at most what arrived in the last FLUSH_MS, plus the block
 * the kernel had not handed over yet (BLOCK_TIMEOUT_MS): some 30 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "vpnlab.h"

#define NETNS_DIR        "/run/netns/"
#define SNAPLEN_DEFAULT  262144          /* tcpdump's default */
#define SNAPLEN_MAX      262144
#define BUFFER_KIB_DEFAULT 4096        /* kernel ring per handle: 16 blocks */
#define BLOCK_TIMEOUT_MS 10              /* kernel hands over a block by then */
#define STOP_GRACE_MS    (3 * BLOCK_TIMEOUT_MS) /* its timer may take 2 periods */
#define FLUSH_MS         20              /* longest a packet waits in stdio */
#define WAIT_IF_STEP_MS  100             /* retry period for --wait-if */
#define POLL_MAX_MS      250             /* longest sleep between stop checks */

/* One NS:IF[=OUT] spec and its capture. */
struct cap {
	char          *spec;     /* "NS:IF" as given (without =OUT), for messages */
	char          *ns;       /* namespace name or path; NULL: ours */
	char          *ifname;
	char          *out;      /* the .pcap file */
	pcap_t        *p;
	pcap_dumper_t *d;
	bool           dirty;    /* packets written to stdio, not yet flushed */
	bool           live;     /* still capturing (the interface may vanish) */
	unsigned long long packets;
	struct pcap_stat st;
	bool           have_st;
	char           lost[PCAP_ERRBUF_SIZE + 64];  /* why it stopped early */
};

struct capture {
	struct cap  *caps;
	size_t       ncaps;
	int          self_ns;    /* fd of the netns we started in */
	int          snaplen;
	int          buffer_kib; /* -B */
	bool         promisc;
	bool         immediate;  /* --immediate */
	double       seconds;    /* -t; 0: until a signal */
	double       wait_if;    /* --wait-if */
	const char  *ready;      /* --ready FILE */
	const char  *outdir;     /* -d */
};

static void
usage(FILE *f)
{
	fputs(
"usage: pcap-capture [-t SECONDS] [-s SNAPLEN] [-B KIB] [-d OUTDIR] [-p] [-v]\n"
"                    [--ready FILE] [--wait-if SECONDS] [--immediate]\n"
"                    NS:IF[=OUT.pcap] ...\n"
"\n"
"Captures each interface IF of network namespace NS into a .pcap file\n"
"(tcpdump and Wireshark open it; link type from the interface: Ethernet\n"
"for veth and bridges, raw IP for TUN).\n"
"\n"
"  NS            a name under /run/netns/ (ip netns add NAME), a path to a\n"
"                netns file (/proc/PID/ns/net), or 'host' for our own netns\n"
"                (or '-', after a '--' argument)\n"
"  IF            the interface, e.g. eth0, br-ext, tun0\n"
"  OUT.pcap      the file to write; default OUTDIR/NS-IF.pcap ('/' in NS\n"
"                becomes '_')\n"
"  -d OUTDIR     directory for default file names (default .)\n"
"  -t SECONDS    stop after SECONDS (default: run until SIGINT/SIGTERM)\n"
"  -s SNAPLEN    bytes kept per packet (default 262144: all)\n"
"  -B KIB        kernel ring per interface in KiB (default 4096); raise it\n"
"                if the final counts report drops\n"
"  --immediate   hand each packet over at once (TPACKET_V2); slower, and\n"
"                drops under load; by default the kernel batches packets\n"
"                for up to 10 ms and we read for 30 ms more on stop\n"
"  -p            do not put interfaces into promiscuous mode (tcpdump -p).\n"
"                Promiscuous mode is on by default: a capture on a bridge\n"
"                sees frames passing between its ports only then.\n"
"  --ready FILE  create FILE (holding our pid) once every interface is\n"
"                capturing; scripts wait for it before sending traffic\n"
"  --wait-if SECONDS\n"
"                if NS or IF does not exist yet, retry every 100 ms for up\n"
"                to SECONDS (default 0: fail at once)\n"
"  -v            debug messages\n"
"\n"
"On SIGINT, SIGTERM or SIGHUP (or after -t), the packets still queued are\n"
"written, files are flushed and closed, and per-interface counts are\n"
"printed to stderr. An interface that disappears (a TUN device whose\n"
"program exited) ends its capture with a warning; the others go on.\n"
"Needs CAP_NET_RAW and CAP_SYS_ADMIN (root, or inside the lab's user\n"
"namespace: lab/lab.sh nsenter pcap-capture ...).\n"
"Exit status: 0 captured, 1 could not set up or write a capture, 2 usage.\n",
	      f);
}

static double
now_mono(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime(CLOCK_MONOTONIC)");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	/* EINTR is fine: the caller looks at the stop flag next. */
	(void)nanosleep(&ts, NULL);
}

static int
parse_seconds(const char *s, const char *what, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(*out >= 0) ||
	    *out > 1e7) {
		log_warnx("%s: '%s' is not a number of seconds", what, s);
		return -1;
	}
	return 0;
}

/*
 * Splits "NS:IF[=OUT]" into c. IF cannot hold ':' (the kernel refuses such
 * names), so the last ':' before '=' ends NS. Returns 0, or -1.
 */
static int
parse_spec(struct capture *ctx, struct cap *c, const char *spec)
{
	const char *eq = strchr(spec, '='), *end = eq ? eq : spec + strlen(spec);
	const char *colon = NULL;
	char nsbuf[PATH_MAX];
	size_t nslen, iflen;

	for (const char *p = spec; p < end; p++)
		if (*p == ':')
			colon = p;
	if ((c->spec = strndup(spec, (size_t)(end - spec))) == NULL)
		fatal("strndup");
	if (colon == NULL) {
		log_warnx("'%s': expected NS:IF[=OUT.pcap], e.g. vpnlab-u:eth0 "
		          "(use host:IF for our own namespace)", spec);
		return -1;
	}
	nslen = (size_t)(colon - spec);
	iflen = (size_t)(end - colon - 1);
	if (iflen == 0 || iflen >= IFNAMSIZ) {
		log_warnx("'%s': interface name must be 1 to %d characters",
		          spec, IFNAMSIZ - 1);
		return -1;
	}
	if ((c->ifname = strndup(colon + 1, iflen)) == NULL)
		fatal("strndup");
	if (nslen == 0 || (nslen == 1 && spec[0] == '-') ||
	    (nslen == 4 && strncmp(spec, "host", 4) == 0)) {
		c->ns = NULL;
	} else if ((c->ns = strndup(spec, nslen)) == NULL) {
		fatal("strndup");
	}
	if (eq) {
		if (eq[1] == '\0') {
			log_warnx("'%s': empty file name after '='", spec);
			return -1;
		}
		if ((c->out = strdup(eq + 1)) == NULL)
			fatal("strdup");
		return 0;
	}
	snprintf(nsbuf, sizeof(nsbuf), "%s", c->ns ? c->ns : "host");
	for (char *p = nsbuf; *p; p++)
		if (*p == '/')
			*p = '_';
	if (asprintf(&c->out, "%s/%s-%s.pcap", ctx->outdir,
	             nsbuf[0] == '_' ? nsbuf + 1 : nsbuf, c->ifname) == -1)
		fatal("asprintf");
	return 0;
}

/*
 * Enters c's network namespace. Returns 1 if we moved (the caller must
 * call leave_ns), 0 if c is in ours, -1 on failure; *missing is set when
 * the namespace does not exist (yet).
 */
static int
enter_ns(const struct cap *c, bool *missing, bool quiet)
{
	char path[PATH_MAX];
	int fd;

	*missing = false;
	if (c->ns == NULL)
		return 0;
	if (strchr(c->ns, '/'))
		snprintf(path, sizeof(path), "%s", c->ns);
	else
		snprintf(path, sizeof(path), NETNS_DIR "%s", c->ns);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*missing = errno == ENOENT;
		if (!quiet || !*missing)
			log_warn("%s: cannot open network namespace %s (create it "
			         "with 'ip netns add %s'; if the lab runs in its own "
			         "mount namespace, run us through 'lab/lab.sh "
			         "nsenter')", c->spec, path, c->ns);
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) == -1) {
		log_warn("%s: setns(%s, CLONE_NEWNET) failed (needs "
		         "CAP_SYS_ADMIN: run as root or inside the lab's user "
		         "namespace)", c->spec, path);
		if (close(fd) == -1)
			log_warn("close(%s)", path);
		return -1;
	}
	if (close(fd) == -1)
		log_warn("close(%s)", path);
	return 1;
}

static void
leave_ns(const struct capture *ctx)
{
	/* Staying in a foreign namespace would silently capture the wrong
	 * interfaces from here on: that cannot go on. */
	if (setns(ctx->self_ns, CLONE_NEWNET) == -1)
		fatal("setns back to our own network namespace");
}

/*
 * One attempt to activate a handle on c->ifname, in the namespace we are
 * in now. Returns the handle, or NULL; *missing is set when the interface
 * does not exist.
 */
static pcap_t *
try_activate(const struct capture *ctx, const struct cap *c, bool *missing,
             bool quiet)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int rc;

	*missing = false;
	errbuf[0] = '\0';
	if ((p = pcap_create(c->ifname, errbuf)) == NULL) {
		log_warnx("%s: pcap_create(%s): %s", c->spec, c->ifname, errbuf);
		return NULL;
	}
	if (pcap_set_snaplen(p, ctx->snaplen) != 0 ||
	    pcap_set_promisc(p, ctx->promisc) != 0 ||
	    pcap_set_immediate_mode(p, ctx->immediate) != 0 ||
	    pcap_set_timeout(p, BLOCK_TIMEOUT_MS) != 0 ||
	    pcap_set_buffer_size(p, ctx->buffer_kib * 1024) != 0) {
		log_warnx("%s: setting capture options on %s: %s", c->spec,
		          c->ifname, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		*missing = rc == PCAP_ERROR_NO_SUCH_DEVICE;
		if (!quiet || !*missing) {
			const char *hint =
			    rc == PCAP_ERROR_NO_SUCH_DEVICE ? " (check the name with "
			        "'ip netns exec NS ip link'; --wait-if SECONDS waits "
			        "for an interface a program will create)" :
			    rc == PCAP_ERROR_PERM_DENIED ? " (needs CAP_NET_RAW: run "
			        "as root or inside the lab's user namespace)" : "";

			const char *status = pcap_statustostr(rc), *err = pcap_geterr(p);
			bool same = *err == '\0' || strcmp(err, status) == 0;

			log_warnx("%s: cannot capture on %s: %s%s%s%s", c->spec,
			          c->ifname, status, same ? "" : ": ", same ? "" : err,
			          hint);
		}
		pcap_close(p);
		return NULL;
	}
	if (rc > 0)
		log_warnx("%s: warning activating %s: %s: %s", c->spec, c->ifname,
		          pcap_statustostr(rc), pcap_geterr(p));
	if (pcap_setnonblock(p, 1, errbuf) == -1) {
		log_warnx("%s: pcap_setnonblock on %s: %s", c->spec, c->ifname,
		          errbuf);
		pcap_close(p);
		return NULL;
	}
	if (pcap_get_selectable_fd(p) == -1) {
		log_warnx("%s: %s has no selectable fd to poll", c->spec,
		          c->ifname);
		pcap_close(p);
		return NULL;
	}
	return p;
}

/*
 * Opens c: the handle inside its namespace (waiting up to --wait-if for
 * the namespace and the interface to appear), then the dump file.
 * Returns 0, or -1 with everything of c closed.
 */
static int
cap_open(struct capture *ctx, struct cap *c)
{
	double deadline = now_mono() + ctx->wait_if;
	bool missing, announced = false;
	const char *dlt;
	int moved;

	for (;;) {
		bool quiet = now_mono() < deadline;

		moved = enter_ns(c, &missing, quiet);
		if (moved >= 0) {
			c->p = try_activate(ctx, c, &missing, quiet);
			if (moved)
				leave_ns(ctx);
			if (c->p)
				break;
		}
		if (!missing || signals_stop_requested())
			return -1;
		if (!quiet) {
			if (ctx->wait_if > 0)
				log_warnx("%s: gave up after waiting %.1f s for it to "
				          "appear", c->spec, ctx->wait_if);
			return -1;
		}
		if (!announced) {
			log_info("%s: waiting up to %.1f s for the %s to appear",
			         c->spec, ctx->wait_if, moved < 0 ? "namespace" :
			         "interface");
			announced = true;
		}
		sleep_ms(WAIT_IF_STEP_MS);
	}
	if ((c->d = pcap_dump_open(c->p, c->out)) == NULL) {
		log_warnx("%s: cannot create capture file %s: %s (does its "
		          "directory exist and can we write there?)", c->spec,
		          c->out, pcap_geterr(c->p));
		pcap_close(c->p);
		c->p = NULL;
		return -1;
	}
	if (pcap_dump_flush(c->d) == -1) {
		log_warn("%s: writing the header of %s", c->spec, c->out);
		pcap_dump_close(c->d);
		pcap_close(c->p);
		c->p = NULL;
		c->d = NULL;
		return -1;
	}
	dlt = pcap_datalink_val_to_name(pcap_datalink(c->p));
	log_debug("%s: capturing, link type %s, into %s", c->spec,
	          dlt ? dlt : "?", c->out);
	c->live = true;
	return 0;
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cap *c = (struct cap *)user;

	pcap_dump((u_char *)c->d, h, bytes);
	c->packets++;
}

/* Ends c's capture early: the interface went away, or reading failed. */
static void
cap_lost(struct cap *c, const char *why)
{
	snprintf(c->lost, sizeof(c->lost), "%s", why);
	log_warnx("%s: capture ended after %llu packets: %s", c->spec,
	          c->packets, why);
	if (pcap_stats(c->p, &c->st) == 0)
		c->have_st = true;
	c->live = false;
}

/* Reads what is queued on c into its file's stdio buffer. */
static void
cap_drain(struct cap *c)
{
	int n;

	if (!c->live)
		return;
	do {
		n = pcap_dispatch(c->p, -1, on_packet, (u_char *)c);
		if (n > 0)
			c->dirty = true;
	} while (n > 0);
	if (n == PCAP_ERROR)
		cap_lost(c, pcap_geterr(c->p));
}

/*
 * Flushes c's file if it has unwritten packets. Returns 0, or -1 if the
 * file cannot be written (that ends the whole run: results would lie).
 */
static int
cap_flush(struct cap *c)
{
	if (!c->dirty)
		return 0;
	if (pcap_dump_flush(c->d) == -1) {
		log_warn("%s: writing %s", c->spec, c->out);
		return -1;
	}
	c->dirty = false;
	return 0;
}

static int
write_ready(const char *path)
{
	char pid[32];
	int fd, len;

	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	               0644)) == -1) {
		log_warn("cannot create ready file %s", path);
		return -1;
	}
	if (write(fd, pid, (size_t)len) != len) {
		log_warn("writing ready file %s", path);
		(void)close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		log_warn("closing ready file %s", path);
		return -1;
	}
	return 0;
}

static void
announce(const struct capture *ctx)
{
	char line[4096];
	size_t used = 0;

	line[0] = '\0';
	for (size_t i = 0; i < ctx->ncaps && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s",
		                         i ? ", " : "", ctx->caps[i].spec);
	log_info("capturing on %s", line);
}

/*
 * The poll() loop: until a signal, -t, or a write error. Returns 0 or -1.
 * When asked to stop, it goes on for STOP_GRACE_MS so that the kernel
 * hands over its last, partly filled block (not needed in --immediate).
 */
static int
capture_loop(struct capture *ctx)
{
	double deadline = ctx->seconds > 0 ? now_mono() + ctx->seconds : 0;
	double last_flush = now_mono(), stop_at = 0;
	struct pollfd *pfd;
	bool dirty = false;
	int rc = 0;

	if ((pfd = calloc(ctx->ncaps, sizeof(*pfd))) == NULL)
		fatal("calloc");
	for (;;) {
		int timeout = dirty ? FLUSH_MS : POLL_MAX_MS, n;
		double now = now_mono();

		if (stop_at == 0 && (signals_stop_requested() ||
		    (deadline > 0 && now >= deadline)))
			stop_at = now + (ctx->immediate ? 0 : STOP_GRACE_MS / 1e3);
		if (stop_at > 0) {
			if (now >= stop_at)
				break;
			if ((stop_at - now) * 1000 < timeout)
				timeout = (int)((stop_at - now) * 1000) + 1;
		} else if (deadline > 0 && (deadline - now) * 1000 < timeout) {
			timeout = (int)((deadline - now) * 1000) + 1;
		}
		for (size_t i = 0; i < ctx->ncaps; i++) {
			struct cap *c = &ctx->caps[i];
			const struct timeval *tv;

			pfd[i].fd = c->live ? pcap_get_selectable_fd(c->p) : -1;
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
			if (c->live &&
			    (tv = pcap_get_required_select_timeout(c->p)) != NULL &&
			    tv->tv_sec * 1000 + tv->tv_usec / 1000 < timeout)
				timeout = (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000);
		}
		n = poll(pfd, ctx->ncaps, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll on %zu capture handles", ctx->ncaps);
			rc = -1;
			break;
		}
		dirty = false;
		for (size_t i = 0; i < ctx->ncaps; i++) {
			/* On a timeout, read anyway: libpcap notices a vanished
			 * interface only when called. */
			if (pfd[i].revents != 0 || n == 0)
				cap_drain(&ctx->caps[i]);
			dirty |= ctx->caps[i].dirty;
		}
		if (dirty && (n == 0 || now_mono() - last_flush >= FLUSH_MS / 1e3)) {
			for (size_t i = 0; i < ctx->ncaps && rc == 0; i++)
				rc = cap_flush(&ctx->caps[i]);
			if (rc == -1)
				break;
			last_flush = now_mono();
			dirty = false;
		}
	}
	free(pfd);
	return rc;
}

/* Drains, flushes and closes every capture; prints the counts. */
static int
capture_finish(struct capture *ctx)
{
	int rc = 0;

	for (size_t i = 0; i < ctx->ncaps; i++) {
		struct cap *c = &ctx->caps[i];

		if (c->p == NULL)
			continue;
		cap_drain(c);
		if (cap_flush(c) == -1)
			rc = -1;
		if (c->live && pcap_stats(c->p, &c->st) == 0)
			c->have_st = true;
		if (c->have_st)
			log_info("%s: %llu packets -> %s (kernel dropped %u, "
			         "interface dropped %u)%s", c->spec, c->packets,
			         c->out, c->st.ps_drop, c->st.ps_ifdrop,
			         c->live ? "" : " (ended early)");
		else
			log_info("%s: %llu packets -> %s (no drop statistics: %s)",
			         c->spec, c->packets, c->out, c->live ?
			         pcap_geterr(c->p) : c->lost);
		if (c->have_st && c->st.ps_drop > 0)
			log_warnx("%s: the kernel dropped %u packets: the capture "
			          "is incomplete", c->spec, c->st.ps_drop);
		pcap_dump_close(c->d);
		pcap_close(c->p);
		c->d = NULL;
		c->p = NULL;
	}
	return rc;
}

static void
capture_free(struct capture *ctx)
{
	for (size_t i = 0; i < ctx->ncaps; i++) {
		free(ctx->caps[i].spec);
		free(ctx->caps[i].ns);
		free(ctx->caps[i].ifname);
		free(ctx->caps[i].out);
	}
	free(ctx->caps);
}

int
main(int argc, char **argv)
{
	enum { OPT_READY = 256, OPT_WAIT_IF, OPT_IMMEDIATE, OPT_HELP };
	static const struct option longopts[] = {
		{ "ready",   required_argument, NULL, OPT_READY },
		{ "wait-if", required_argument, NULL, OPT_WAIT_IF },
		{ "immediate", no_argument,     NULL, OPT_IMMEDIATE },
		{ "help",    no_argument,       NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct capture ctx = {
		.snaplen = SNAPLEN_DEFAULT, .buffer_kib = BUFFER_KIB_DEFAULT,
		.promisc = true, .outdir = ".",
		.self_ns = -1,
	};
	int opt, verbosity = LL_INFO, rc = 0;
	size_t opened = 0;
	char *end;
	long v;

	log_init(argv[0], LL_INFO);
	while ((opt = getopt_long(argc, argv, "t:s:B:d:pvh", longopts,
	                          NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_seconds(optarg, "-t", &ctx.seconds))
				return 2;
			break;
		case 's':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 ||
			    v > SNAPLEN_MAX) {
				log_warnx("-s: snaplen must be 1 to %d bytes, not '%s'",
				          SNAPLEN_MAX, optarg);
				return 2;
			}
			ctx.snaplen = (int)v;
			break;
		case 'B':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 64 ||
			    v > 1024 * 1024) {
				log_warnx("-B: ring size must be 64 to 1048576 KiB, "
				          "not '%s'", optarg);
				return 2;
			}
			ctx.buffer_kib = (int)v;
			break;
		case 'd':
			ctx.outdir = optarg;
			break;
		case 'p':
			ctx.promisc = false;
			break;
		case 'v':
			verbosity = LL_DEBUG;
			break;
		case OPT_IMMEDIATE:
			ctx.immediate = true;
			break;
		case OPT_READY:
			ctx.ready = optarg;
			break;
		case OPT_WAIT_IF:
			if (parse_seconds(optarg, "--wait-if", &ctx.wait_if))
				return 2;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_init(argv[0], verbosity);
	if (optind >= argc) {
		log_warnx("no interface given: expected NS:IF[=OUT.pcap] ...");
		usage(stderr);
		return 2;
	}
	ctx.ncaps = (size_t)(argc - optind);
	if ((ctx.caps = calloc(ctx.ncaps, sizeof(*ctx.caps))) == NULL)
		fatal("calloc");
	for (size_t i = 0; i < ctx.ncaps; i++) {
		if (parse_spec(&ctx, &ctx.caps[i], argv[optind + (int)i])) {
			capture_free(&ctx);
			return 2;
		}
	}
	if (signals_init() == -1)
		goto err_free;
	if ((ctx.self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) ==
	    -1) {
		log_warn("cannot open /proc/self/ns/net (is /proc mounted?)");
		goto err_free;
	}
	for (opened = 0; opened < ctx.ncaps; opened++)
		if (cap_open(&ctx, &ctx.caps[opened]) == -1)
			goto err_close;
	announce(&ctx);
	if (ctx.ready && write_ready(ctx.ready) == -1)
		goto err_close;
	if (capture_loop(&ctx) == -1)
		rc = 1;
	if (signals_last())
		log_debug("stopping on signal %d", signals_last());
	if (capture_finish(&ctx) == -1)
		rc = 1;
	if (close(ctx.self_ns) == -1)
		log_warn("close(/proc/self/ns/net)");
	capture_free(&ctx);
	return rc;

err_close:
	/* Keep what was captured so far; the files are valid, if short. */
	if (capture_finish(&ctx) == -1)
		log_warnx("some capture files may be incomplete");
	if (close(ctx.self_ns) == -1)
		log_warn("close(/proc/self/ns/net)");
err_free:
	capture_free(&ctx);
	return 1;
}
