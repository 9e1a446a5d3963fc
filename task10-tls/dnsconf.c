/*
 * dnsconf.c - the DNS servers and search domains a server pushes, applied
 * on the client and undone when it stops.
 *
 * Changing the resolver takes root (systemd-resolved's D-Bus API, the
 * resolvconf tool, /etc/resolv.conf), which the client gives up after
 * set-up. So a keeper is forked first (roothelper.c), before the password is read or a
 * key or socket exists, holding nothing but the read end of a pipe. The
 * client sends it a request (struct dns_req, one atomic pipe write) after
 * each CONFIG; the keeper checks it as if it came from a stranger, and
 * applies it with whichever the machine has:
 *
 *   systemd-resolved   resolvectl dns IF ADDR...; resolvectl domain IF DOM...
 *                      (undone by resolvectl revert IF)
 *   resolvconf         resolvconf -a IF.minivpn < "nameserver ... search ..."
 *                      (undone by resolvconf -d IF.minivpn)
 *   neither            /etc/resolv.conf rewritten in place (it may be a
 *                      bind mount or a symlink), the old text kept in
 *                      memory and written back
 *
 * In a network namespace other than pid 1's (ip netns exec, a lab),
 * resolved and resolvconf are the host's: only /etc/resolv.conf is used,
 * and only when it is this namespace's own (a mount point, as ip netns
 * exec binds /etc/netns/NAME/resolv.conf); otherwise nothing is changed
 * and the client says why.
 *
 * When the client exits, however it exits, the pipe closes and the keeper
 * undoes what it did. Programs run with an argument vector, never a shell.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "minivpn.h"

#define RESOLV_CONF     "/etc/resolv.conf"
#define RESOLV_CONF_MAX 65536

struct dns_req {
	char           ifname[IFNAMSIZ];
	uint32_t       ndns;
	struct in_addr dns[CONFIG_DNS_MAX];
	char           search[CONFIG_SEARCH_MAX + 1];
};

enum dns_method { DNS_NONE, DNS_RESOLVED, DNS_RESOLVCONF, DNS_FILE };

struct keeper {
	enum dns_method method;      /* what is applied now */
	struct dns_req  cur;
	char           *saved;       /* DNS_FILE: the old resolv.conf */
	size_t          savedlen;
	bool            failed;      /* the last request (cur) was not applied */
};

/* Runs argv (argv[0] looked up in PATH), input on its stdin if not NULL. */
static int
run(char *const argv[], const char *input)
{
	return roothelper_run(argv, input, "dns");
}

/* True when prog is an executable file in a directory of PATH. */
static bool
in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[256];

	if (path == NULL)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog) <
		    (int)sizeof(buf) && access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/*
 * Whether this process is in the machine's first network namespace, pid
 * 1's. systemd-resolved and resolvconf serve that one only: resolvectl
 * reaches the host's resolved over D-Bus from any namespace (and our
 * interface's index names another interface there), resolvconf writes
 * under /run, which the host shares. Not knowing (pid 1's namespace
 * unreadable, as in a user namespace) counts as elsewhere.
 */
static bool
in_initial_netns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self) == -1 ||
	    stat("/proc/1/ns/net", &init) == -1)
		return false;
	return self.st_dev == init.st_dev && self.st_ino == init.st_ino;
}

/* True when RESOLV_CONF is a mount point: `ip netns exec NAME` binds
 * /etc/netns/NAME/resolv.conf there, the lab its host's copy. */
static bool
resolv_conf_bound(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mp[4096];
	bool bound = false;

	if (f == NULL) {
		log_warn("dns: reading /proc/self/mountinfo");
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 &&
		    strcmp(mp, RESOLV_CONF) == 0)
			bound = true;
	fclose(f);
	return bound;
}

/* Outside the first network namespace, only a resolv.conf of this
 * namespace's own is changed; else nothing (DNS_NONE). */
static enum dns_method
pick_method(void)
{
	struct stat st;

	if (!in_initial_netns()) {
		if (resolv_conf_bound())
			return DNS_FILE;
		log_warnx("dns: this client is in a network namespace of its own "
		          "whose %s is the machine's: pushed DNS not applied, so "
		          "as not to change the machine's resolver (create "
		          "/etc/netns/NAME/resolv.conf for `ip netns exec NAME`, "
		          "or use --no-dns)", RESOLV_CONF);
		return DNS_NONE;
	}
	if (in_path("resolvectl") && stat("/run/systemd/resolve", &st) == 0)
		return DNS_RESOLVED;
	if (in_path("resolvconf"))
		return DNS_RESOLVCONF;
	return DNS_FILE;
}

/* resolv.conf text for r. */
static void
resolv_text(const struct dns_req *r, char *out, size_t len)
{
	char a[INET_ADDRSTRLEN];
	size_t n;

	n = (size_t)snprintf(out, len, "# minivpn-client (%s): pushed by the "
	                     "server; the old file comes back when it stops\n",
	                     r->ifname);
	for (unsigned i = 0; i < r->ndns && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "nameserver %s\n",
		                      inet_ntop(AF_INET, &r->dns[i], a, sizeof(a)));
	if (r->search[0] != '\0' && n < len)
		snprintf(out + n, len - n, "search %s\n", r->search);
}

/* Writes text over path in place (a bind mount or symlink stays one). */
static int
write_in_place(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	size_t off = 0;

	if (fd == -1) {
		log_warn("dns: opening %s", path);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			log_warn("dns: writing %s", path);
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1)
		log_warn("dns: fsync(%s)", path);
	return close(fd);
}

static void
undo(struct keeper *k)
{
	char *argv[5];
	char name[IFNAMSIZ + 8];

	switch (k->method) {
	case DNS_NONE:
		return;
	case DNS_RESOLVED:
		argv[0] = "resolvectl", argv[1] = "revert", argv[2] = k->cur.ifname;
		argv[3] = NULL;
		(void)run(argv, NULL);
		break;
	case DNS_RESOLVCONF:
		snprintf(name, sizeof(name), "%s.minivpn", k->cur.ifname);
		argv[0] = "resolvconf", argv[1] = "-d", argv[2] = name, argv[3] = NULL;
		(void)run(argv, NULL);
		break;
	case DNS_FILE:
		if (write_in_place(RESOLV_CONF, k->saved, k->savedlen) == 0)
			log_info("dns: %s restored", RESOLV_CONF);
		free(k->saved);
		k->saved = NULL;
		break;
	}
	k->method = DNS_NONE;
	log_info("dns: %s: pushed DNS settings removed", k->cur.ifname);
}

static int
apply(struct keeper *k, const struct dns_req *r)
{
	char text[1024], name[IFNAMSIZ + 8], a[CONFIG_DNS_MAX][INET_ADDRSTRLEN];
	char *argv[CONFIG_DNS_MAX + CONFIG_SEARCH_MAX / 2 + 4], search[sizeof(r->search)];
	enum dns_method m = pick_method();
	unsigned n;

	resolv_text(r, text, sizeof(text));
	switch (m) {
	case DNS_NONE:
		return -1;
	case DNS_RESOLVED:
		argv[0] = "resolvectl", argv[1] = "dns", argv[2] = (char *)r->ifname;
		for (n = 0; n < r->ndns; n++)
			argv[3 + n] = (char *)inet_ntop(AF_INET, &r->dns[n], a[n], sizeof(a[n]));
		argv[3 + n] = NULL;
		if (r->ndns > 0 && run(argv, NULL) == -1)
			return -1;
		snprintf(search, sizeof(search), "%s", r->search);
		argv[1] = "domain";
		n = 3;
		for (char *t = strtok(search, " "); t != NULL; t = strtok(NULL, " "))
			argv[n++] = t;
		argv[n] = NULL;
		if (n > 3 && run(argv, NULL) == -1)
			return -1;
		break;
	case DNS_RESOLVCONF:
		snprintf(name, sizeof(name), "%s.minivpn", r->ifname);
		argv[0] = "resolvconf", argv[1] = "-a", argv[2] = name, argv[3] = NULL;
		if (run(argv, text) == -1)
			return -1;
		break;
	case DNS_FILE:
	default: {
		int fd = open(RESOLV_CONF, O_RDONLY | O_CLOEXEC);
		ssize_t got;

		k->saved = malloc(RESOLV_CONF_MAX);
		if (fd == -1 || k->saved == NULL) {
			log_warn("dns: reading %s", RESOLV_CONF);
			if (fd != -1)
				close(fd);
			free(k->saved);
			k->saved = NULL;
			return -1;
		}
		got = read(fd, k->saved, RESOLV_CONF_MAX);
		close(fd);
		if (got < 0 || got == RESOLV_CONF_MAX) {
			log_warnx("dns: %s unreadable or too large; left alone",
			          RESOLV_CONF);
			free(k->saved);
			k->saved = NULL;
			return -1;
		}
		k->savedlen = (size_t)got;
		if (write_in_place(RESOLV_CONF, text, strlen(text)) == -1) {
			free(k->saved);
			k->saved = NULL;
			return -1;
		}
		break;
	}
	}
	k->method = m;
	k->cur = *r;
	log_info("dns: %s: %u server%s%s%s, with %s", r->ifname, r->ndns,
	         r->ndns == 1 ? "" : "s", r->search[0] ? ", search " : "",
	         r->search, m == DNS_RESOLVED ? "systemd-resolved"
	         : m == DNS_RESOLVCONF ? "resolvconf" : RESOLV_CONF);
	return 0;
}

/* The client may be compromised by then: check everything it says. */
static bool
req_valid(struct dns_req *r)
{
	size_t n = strnlen(r->ifname, sizeof(r->ifname));

	if (n == 0 || n == sizeof(r->ifname) || r->ndns > CONFIG_DNS_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r->ifname[i] >= 'a' && r->ifname[i] <= 'z') ||
		      (r->ifname[i] >= '0' && r->ifname[i] <= '9') ||
		      r->ifname[i] == '-' || r->ifname[i] == '_'))
			return false;
	n = strnlen(r->search, sizeof(r->search));
	return n < sizeof(r->search) && config_search_valid(r->search, n);
}

static void
keeper(int fd, void *arg)
{
	struct keeper k = { .method = DNS_NONE };
	struct dns_req r;
	ssize_t got;

	(void)arg;
	for (;;) {
		got = read(fd, &r, sizeof(r));
		if (got == -1 && errno == EINTR)
			continue;
		if (got != (ssize_t)sizeof(r))
			break;          /* the client is gone (or talks nonsense) */
		if (!req_valid(&r)) {
			log_warnx("dns: a malformed request from the client; ignored");
			continue;
		}
		/* A reconnect with the same settings: nothing to do, nor to
		 * say again when they could not be applied. */
		if ((k.method != DNS_NONE || k.failed) &&
		    memcmp(&k.cur, &r, sizeof(r)) == 0)
			continue;
		undo(&k);
		k.failed = false;
		if ((r.ndns > 0 || r.search[0] != '\0') && apply(&k, &r) == -1) {
			k.failed = true;
			k.cur = r;
		}
	}
	undo(&k);
	_exit(0);
}

int
dnsconf_start(void)
{
	return roothelper_start("minivpn-dns", ROOTHELPER_PIPE, keeper, NULL);
}

int
dnsconf_set(int fd, const char *ifname, const struct vpn_config *cfg)
{
	struct dns_req r;

	memset(&r, 0, sizeof(r));
	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	r.ndns = cfg->ndns;
	memcpy(r.dns, cfg->dns, sizeof(r.dns));
	memcpy(r.search, cfg->search, sizeof(r.search));
	/* One write below PIPE_BUF: the keeper reads it whole. */
	if (write(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		log_warn("dns: telling the keeper");
		return -1;
	}
	return 0;
}
