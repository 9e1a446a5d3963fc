/*
 * nat.c - minivpn-server --nat IFACE: masquerade the pool's packets that
 * leave through IFACE, so that the LAN behind the server needs no route
 * back to the pool. The server sets up its own nftables table and removes
 * it when it stops:
 *
 *   table ip minivpn_NET_PREFIX {
 *       chain post { type nat hook postrouting priority srcnat;
 *                    ip saddr POOL oifname IFACE masquerade }
 *   }
 *
 * One table per pool, so that a table left by a server that was killed is
 * simply replaced by the next start. The rules go to `nft -f -` (run with
 * an argument vector, the ruleset on its stdin; never a shell).
 *
 * Removing the table needs CAP_NET_ADMIN, which the server gives up after
 * set-up; so a keeper is forked first, before any key or socket is opened,
 * that holds nothing but the read end of a pipe. When the server exits,
 * however it exits, the pipe closes and the keeper deletes the table. It
 * ignores the signals a service manager sends the whole group, so that it
 * outlives the server long enough to clean up.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "minivpn.h"

extern char **environ;

/* Runs `nft -f -` with script on its stdin; 0 when nft exits 0. */
static int
nft_run(const char *script, const char *what)
{
	char *const argv[] = { "nft", "-f", "-", NULL };
	posix_spawn_file_actions_t fa;
	int p[2], st, err;
	size_t len = strlen(script), off = 0;
	pid_t pid;

	/* nft gone early must be an error here, not a SIGPIPE. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || pipe2(p, O_CLOEXEC) == -1) {
		log_warn("nft: pipe");
		return -1;
	}
	if ((err = posix_spawn_file_actions_init(&fa)) == 0) {
		err = posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
		if (err == 0)
			err = posix_spawnp(&pid, "nft", &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(p[0]);
	if (err != 0) {
		errno = err;
		log_warn("running nft to %s (apt-get install nftables)", what);
		close(p[1]);
		return -1;
	}
	while (off < len) {
		ssize_t w = write(p[1], script + off, len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			log_warn("nft: writing the ruleset");
			break;
		}
		off += (size_t)w;
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			log_warn("waitpid(nft)");
			return -1;
		}
	}
	if (off < len || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		log_warnx("nft failed to %s (exit status %d)", what,
		          WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		return -1;
	}
	return 0;
}

static bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		      s[i] == '.'))
			return false;
	return true;
}

/* The keeper: waits for the server to go, then removes the table. */
static noreturn void
keeper(int fd, const char *table)
{
	char script[128], c;
	ssize_t r;

	if (signal(SIGTERM, SIG_IGN) == SIG_ERR || signal(SIGINT, SIG_IGN) == SIG_ERR ||
	    signal(SIGHUP, SIG_IGN) == SIG_ERR)
		log_warn("nat keeper: ignoring the stop signals");
	do
		r = read(fd, &c, 1);
	while (r == -1 && errno == EINTR);
	snprintf(script, sizeof(script), "delete table ip %s\n", table);
	if (nft_run(script, "remove the NAT table") == 0)
		log_info("nat: table ip %s removed", table);
	_exit(0);
}

int
nat_start(const char *ifname, struct in_addr net, int prefixlen)
{
	char table[64], pool[INET_ADDRSTRLEN], script[512];
	int p[2];
	pid_t pid;

	if (!ifname_valid(ifname)) {
		log_warnx("--nat: '%s' is not an interface name", ifname);
		return -1;
	}
	/* A typo would masquerade nothing and lose every packet. */
	if (if_nametoindex(ifname) == 0) {
		log_warn("--nat: no interface %s here", ifname);
		return -1;
	}
	inet_ntop(AF_INET, &net, pool, sizeof(pool));
	snprintf(table, sizeof(table), "minivpn_%s_%d", pool, prefixlen);
	for (char *d = table; *d != '\0'; d++)
		if (*d == '.')
			*d = '_';
	/* Adding, deleting and adding again in one transaction replaces a
	 * table a killed server left, and creates one otherwise. */
	snprintf(script, sizeof(script),
	         "table ip %s {}\n"
	         "delete table ip %s\n"
	         "table ip %s {\n"
	         "  chain post {\n"
	         "    type nat hook postrouting priority srcnat; policy accept;\n"
	         "    ip saddr %s/%d oifname \"%s\" masquerade\n"
	         "  }\n"
	         "}\n", table, table, table, pool, prefixlen, ifname);
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("nat: pipe");
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		log_warn("nat: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* Nothing of the server's but the pipe (fd 3) and stdio. */
		if (dup2(p[0], 3) == -1 || close_range(4, ~0u, 0) == -1)
			_exit(1);
		keeper(3, table);
	}
	close(p[0]);
	if (nft_run(script, "set up NAT") == -1) {
		close(p[1]);   /* the keeper removes what may be there */
		return -1;
	}
	log_info("nat: packets from %s/%d leaving %s are masqueraded "
	         "(nftables table ip %s, removed at exit)", pool, prefixlen,
	         ifname, table);
	return p[1];
}
