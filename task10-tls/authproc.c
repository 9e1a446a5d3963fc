/*
 * authproc.c - the privileged login helper (privilege separation).
 *
 *   process          runs as       holds                      talks to
 *   minivpn-server   minivpn, no   TUN fd, listening socket,  the network
 *                    capabilities  TLS key, sessions
 *   [auth] helpers   uid 0, only   nothing but their socket   the server only
 *   (a few)          CAP_DAC_READ_SEARCH
 *
 * The helper is forked before the server opens anything, so it never sees
 * the TLS key, the TUN device or a client socket. It answers one question,
 * "is this the password of this user?", over a SOCK_SEQPACKET socketpair
 * (one message per send, no framing needed), reading /etc/shadow or the
 * --shadow file afresh each time, so password changes apply at once.
 *
 *   request:  id (u64, host order) | user_len (u8) | pass_len (u8) | user | pass
 *   reply:    id (u64)             | result (u8: enum auth_result)
 *
 * The id is a counter that never wraps, so a late answer for a session
 * that is gone cannot be taken for the answer to another.
 *
 * The helper trusts nothing the server sends (the server faces the
 * network and may be compromised): it checks the user name's characters
 * and the password for NUL again, never accepts root (auth.c), and each
 * worker does at most AUTHPROC_RATE checks per second, so a compromised
 * server cannot turn it into an unbounded password-guessing oracle.
 *
 * Hashing takes milliseconds to tens of milliseconds (yescrypt is slow on
 * purpose), so one process would cap logins at the speed of one core:
 * there are authproc_workers() of them (one per CPU, 2 to
 * AUTHPROC_WORKERS_MAX), all reading the same socket (a SEQPACKET message
 * goes to exactly one reader). The server sends at most one question per
 * worker at a time and keeps the rest in its own queue (server.c), so a
 * question whose client left is dropped there, never hashed.
 *
 * A worker stays uid 0 (the shadow file is root's) but keeps only
 * CAP_DAC_READ_SEARCH, for a --shadow file root does not own, and
 * no_new_privs.
 *
 * The server does not wait for a check: the reply arrives as an epoll
 * event.
 */
#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "minivpn.h"

#define ID_LEN  8
#define REQ_MAX (ID_LEN + 2 + AUTH_USER_MAX + AUTH_PASS_MAX)
#define REP_LEN (ID_LEN + 1)

/* Token bucket: AUTHPROC_BURST checks at once, AUTHPROC_RATE per second
 * (per worker). */
static void
rate_limit(double *tokens, uint64_t *last)
{
	uint64_t now = now_ms();

	*tokens += (double)(now - *last) * AUTHPROC_RATE / 1000.0;
	if (*tokens > AUTHPROC_BURST)
		*tokens = AUTHPROC_BURST;
	*last = now;
	if (*tokens < 1.0) {
		unsigned wait = (unsigned)((1.0 - *tokens) * 1000.0 / AUTHPROC_RATE) + 1;
		struct timespec ts = { wait / 1000, (long)(wait % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		*tokens = 1.0;
		*last = now_ms();
	}
	*tokens -= 1.0;
}

static noreturn void
authproc_main(int fd, const char *shadow_path)
{
	uint8_t req[REQ_MAX + 1], rep[REP_LEN];
	struct login lg;
	double tokens = AUTHPROC_BURST;
	uint64_t last = now_ms();
	size_t ul, pl;
	ssize_t n;

	for (;;) {
		n = recv(fd, req, sizeof(req), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			fatal("auth helper: receiving a request");
		if (n == 0)
			_exit(0);          /* the server is gone */
		memset(&lg, 0, sizeof(lg));
		memset(rep, 0, sizeof(rep));
		if (n >= ID_LEN)
			memcpy(rep, req, ID_LEN);
		ul = n >= ID_LEN + 2 ? req[ID_LEN] : 0;
		pl = n >= ID_LEN + 2 ? req[ID_LEN + 1] : 0;
		if (n < ID_LEN + 2 || ul == 0 || ul > AUTH_USER_MAX ||
		    (size_t)n != ID_LEN + 2 + ul + pl) {
			log_warnx("auth helper: malformed request of %zd bytes", n);
			rep[ID_LEN] = AUTH_ERROR;
		} else if (!login_user_valid(req + ID_LEN + 2, ul) ||
		           memchr(req + ID_LEN + 2 + ul, '\0', pl) != NULL) {
			log_warnx("auth helper: request with a bad user name or a "
			          "NUL in the password");
			rep[ID_LEN] = AUTH_ERROR;
		} else {
			memcpy(lg.user, req + ID_LEN + 2, ul);
			memcpy(lg.password, req + ID_LEN + 2 + ul, pl);
			rate_limit(&tokens, &last);
			rep[ID_LEN] = (uint8_t)auth_backend_check(shadow_path,
			                                  lg.user, lg.password);
		}
		OPENSSL_cleanse(req, sizeof(req));
		login_wipe(&lg);
		if (send(fd, rep, sizeof(rep), 0) == -1)
			fatal("auth helper: sending a reply");
	}
}

/* How many workers: one per online CPU, 2 to AUTHPROC_WORKERS_MAX. */
unsigned
authproc_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 2)
		return 2;
	return n > AUTHPROC_WORKERS_MAX ? AUTHPROC_WORKERS_MAX : (unsigned)n;
}

/* Everything root could do but reading files it does not own: gone. */
static void
authproc_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];

	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_DAC_READ_SEARCH &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 && errno != EINVAL)
			fatal("auth helper: prctl(PR_CAPBSET_DROP, %d)", cap);
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = 1u << CAP_DAC_READ_SEARCH;
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("auth helper: capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("auth helper: prctl(PR_SET_NO_NEW_PRIVS)");
}

static noreturn void
authproc_child(int fd, const char *shadow_path)
{
	if (dup2(fd, 3) == -1)
		fatal("auth helper: dup2");
	if (close_range(4, ~0u, 0) == -1)
		fatal("auth helper: close_range");
	/* Die with the server (SIGTERM when it exits), and let no one
	 * attach to or dump a process that reads password hashes. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("auth helper: prctl");
	if (getppid() == 1)   /* the server died before prctl */
		_exit(0);
	(void)prctl(PR_SET_NAME, "minivpn-auth");
	log_init("minivpn-server[auth]", log_verbosity());
	/* A Ctrl-C or hang-up reaches the whole process group: the server
	 * shuts down on it, and the helper ends after it (its socket
	 * closes, or the SIGTERM above). */
	if (signal(SIGINT, SIG_IGN) == SIG_ERR ||
	    signal(SIGHUP, SIG_IGN) == SIG_ERR)
		fatal("auth helper: ignoring SIGINT and SIGHUP");
	authproc_caps();
	authproc_main(3, shadow_path);
}

/*
 * Forks nworkers helpers on one socketpair. Returns the server's end
 * (nonblocking, close-on-exec), or -1. In the children this never returns.
 */
int
authproc_start(const char *shadow_path, unsigned nworkers)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("auth helper: socketpair");
		return -1;
	}
	for (unsigned i = 0; i < nworkers; i++) {
		pid = fork();
		if (pid == -1) {
			log_warn("auth helper: fork");
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		if (pid == 0) {
			close(sv[0]);
			authproc_child(sv[1], shadow_path);
		}
	}
	close(sv[1]);
	if (fd_nonblock(sv[0]) == -1) {
		close(sv[0]);
		return -1;
	}
	return sv[0];
}

/* Sends a question to a free worker. Returns 0, or -1 (helpers gone). */
int
authproc_send(int fd, uint64_t id, const struct login *lg)
{
	uint8_t req[REQ_MAX];
	size_t ul = strlen(lg->user), pl = strlen(lg->password);
	ssize_t n;

	memcpy(req, &id, ID_LEN);
	req[ID_LEN] = (uint8_t)ul;
	req[ID_LEN + 1] = (uint8_t)pl;
	memcpy(req + ID_LEN + 2, lg->user, ul);
	memcpy(req + ID_LEN + 2 + ul, lg->password, pl);
	n = send(fd, req, ID_LEN + 2 + ul + pl, MSG_NOSIGNAL);
	OPENSSL_cleanse(req, sizeof(req));
	if (n == -1) {
		log_warn("auth helper: sending a request");
		return -1;
	}
	return 0;
}

/* Returns 1 with an answer, 0 when none is waiting, -1 when the helper died. */
int
authproc_recv(int fd, uint64_t *id, enum auth_result *res)
{
	uint8_t rep[REP_LEN + 1];
	ssize_t n;

	n = recv(fd, rep, sizeof(rep), 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == -1) {
		log_warn("auth helper: receiving a reply");
		return -1;
	}
	if (n == 0) {
		log_warnx("auth helper: exited");
		return -1;
	}
	if (n != REP_LEN || rep[ID_LEN] > AUTH_ERROR) {
		log_warnx("auth helper: malformed reply of %zd bytes", n);
		return -1;
	}
	memcpy(id, rep, ID_LEN);
	*res = (enum auth_result)rep[ID_LEN];
	return 1;
}
