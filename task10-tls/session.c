/*
 * session.c - one client connection on the server.
 *
 * Everything here is nonblocking and driven by server.c's epoll loop, which
 * session.c reaches only through struct session_loop (session.h). The
 * rules a client must keep (see docs/protocol.md) are enforced here: AUTH
 * first and once, DATA only after CONFIG, DATA only with the client's own
 * source address, frames within their limits. Breaking framing closes the
 * connection with an ERROR frame; a spoofed packet is only dropped (and
 * logged, rate-limited), as a router drops a martian.
 *
 * Functions that may close the session return -1 after it is gone; the
 * caller must not touch it again. Whether a client whose password is right
 * may log in (bans, one session per user, the client limit, the address
 * pool) is the server's decision (server.c, server_admit()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/err.h>

#include "session.h"

/* Per wake-up, then the other clients' turn (no starvation). */
#define READ_FRAMES_MAX 64
#define READ_BYTES_MAX  (256 * 1024)

/* Buffers of a session idle this long give their pages back, when they
 * hold more than this. */
#define IDLE_RELEASE_MS 5000
#define IDLE_KEEP_BYTES 8192

/* The OpenSSL error queue as one line, for rate-limited per-peer messages. */
static const char *
ssl_errors(char *buf, size_t len)
{
	unsigned long e;
	size_t used = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		if (used + 2 < len) {
			if (used)
				used += (size_t)snprintf(buf + used, len - used, "; ");
			ERR_error_string_n(e, buf + used, len - used);
			used = strlen(buf);
		}
	}
	return buf[0] ? buf : "connection closed";
}

static void
session_set_name(struct session *s)
{
	char ep[32];

	addr_endpoint_str(&s->peer, ep, sizeof(ep));
	if (s->user[0])
		snprintf(s->name, sizeof(s->name), "%s@%s", s->user, ep);
	else
		snprintf(s->name, sizeof(s->name), "%s", ep);
}

/* Sets the epoll interest through the loop; s->pollout says what it is. */
static int
session_watch(struct session *s, bool out)
{
	if (s->loop->watch(s->loop, s, out) == -1)
		return -1;
	s->pollout = out;
	return 0;
}

/* A new session on the accepted socket fd, watched for reading. NULL on
 * failure; fd is the caller's to close then. */
struct session *
session_new(struct session_loop *loop, int fd, const struct sockaddr_in *peer,
            uint32_t id)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		log_warn("allocating a session");
		return NULL;
	}
	s->loop = loop;
	s->fd = fd;
	s->peer = *peer;
	s->id = id;
	s->state = SS_HANDSHAKE;
	s->accepted_ms = now_ms();
	s->deadline_ms = s->accepted_ms + LOGIN_DEADLINE * 1000;
	if (loop->proxy_protocol) {
		s->deadline_ms = s->accepted_ms + PROXY_TIMEOUT * 1000;
		if ((s->pp = malloc(PROXY_HDR_MAX)) == NULL) {
			log_warn("allocating a session");
			free(s);
			return NULL;
		}
	}
	s->lim_spoof.burst = 2;
	s->lim_bad.burst = 2;
	session_set_name(s);
	if (fbuf_init(&s->rx, RX_BUF_LEN) == -1 ||
	    fbuf_init(&s->tx, TX_BUF_LEN) == -1)
		goto bad;
	s->ssl = SSL_new(loop->ctx);
	if (s->ssl == NULL) {
		log_openssl("%s: SSL_new", s->name);
		goto bad;
	}
	if (SSL_set_fd(s->ssl, fd) != 1) {
		log_openssl("%s: SSL_set_fd", s->name);
		goto bad;
	}
	SSL_set_accept_state(s->ssl);
	if (session_watch(s, false) == -1)
		goto bad;
	log_debug("%s: connection accepted", s->name);
	return s;
bad:
	SSL_free(s->ssl);
	free(s->pp);
	fbuf_free(&s->rx);
	fbuf_free(&s->tx);
	free(s);
	return NULL;
}

/*
 * s is closed with its check not decided yet. When the client left (code
 * BYE: it closed or the connection broke) that counts as a failed login of
 * its address, or AUTH-and-close would be a free way to keep the password
 * helper busy; when the server closed it (shutdown, busy), it does not.
 */
static void
session_abandon(struct session *s, enum vpn_error code)
{
	char a[INET_ADDRSTRLEN];
	bool left = code == VPN_ERR_BYE;

	if (throttle_end(s->loop->throttle, s->peer.sin_addr, s->user,
	                 left ? AUTH_ABANDONED : AUTH_ERROR, now_ms()))
		log_warnx("%s: address banned for %u s: %u failed or abandoned "
		          "logins", inet_ntop(AF_INET, &s->peer.sin_addr, a,
		                              sizeof(a)),
		          THROTTLE_BAN_SECS, THROTTLE_BAN_AFTER);
	else if (left)
		log_limited(s->loop->lim_prelogin, "%s: left before the password "
		            "check's verdict (counted as a failed login)", s->name);
	s->throttled = false;
}

/*
 * Sends ERROR(code, reason) when TLS is up and code is not BYE-by-peer,
 * has the loop forget it (its address included), then frees everything the
 * session holds.
 */
void
session_close(struct session *s, enum vpn_error code, const char *reason)
{
	if (s->state != SS_HANDSHAKE && code != VPN_ERR_BYE) {
		bool wrote;

		/* Best effort: one nonblocking try, the peer may be gone. */
		if (frame_append_error(&s->tx, code, reason) == 0)
			(void)tls_write_fbuf(s->ssl, &s->tx, &wrote);
		(void)SSL_shutdown(s->ssl);
		ERR_clear_error();
	}
	if (s->state == SS_ACTIVE)
		log_info("%s: session closed (%s: %s); %llu packets in, %llu out, "
		         "%llu dropped", s->name, vpn_error_name(code), reason,
		         (unsigned long long)s->pkts_in,
		         (unsigned long long)s->pkts_out,
		         (unsigned long long)s->drops);
	else if ((s->pp == NULL || s->pplen > 0) && !s->health)
		/* anyone can cause this: rate-limited (a balancer's health
		 * check, connect and close, is not worth a line) */
		log_limited(s->loop->lim_prelogin, "%s: connection closed before "
		            "login (%s: %s)", s->name, vpn_error_name(code), reason);
	s->loop->forget(s->loop, s);
	if (s->throttled)
		session_abandon(s, code);
	if (close(s->fd) == -1)   /* also takes it out of the epoll set */
		log_warn("%s: close", s->name);
	SSL_free(s->ssl);
	free(s->pp);
	fbuf_free(&s->rx);
	fbuf_free(&s->tx);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

static int session_handshake(struct session *s);

/*
 * --proxy-protocol: reads the PROXY v2 header, never a byte past it (the
 * client's TLS follows), then the real client is s->peer: the log, bans,
 * throttles and per-address limits see it, not the balancer. A header
 * that is not valid closes the connection (nothing is sent: TLS is not up).
 */
static int
session_proxy_read(struct session *s)
{
	struct proxy_hdr h;
	const char *why;
	size_t need = PROXY_FIXED_LEN;
	ssize_t n = 1;
	int r;

	for (;;) {
		r = s->pplen ? proxy_parse(s->pp, s->pplen, &h, &need, &why) : 0;
		if (r != 0)
			break;
		n = recv(s->fd, s->pp + s->pplen, need - s->pplen, 0);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			why = n == 0 ? "closed before the end of its PROXY header"
			             : strerror(errno);
			r = -1;
			break;
		}
		s->pplen += (size_t)n;
	}
	if (r == -1 && s->pplen == 0 && n == 0) {
		/* A balancer's TCP health check: connect, then close. */
		log_debug("%s: closed without a byte (a health check)", s->name);
		session_close(s, VPN_ERR_BYE, "health check");
		return -1;
	}
	if (r == -1) {
		log_limited(s->loop->lim_accept, "%s: refused: %s (--proxy-protocol)",
		            s->name, why);
		session_close(s, VPN_ERR_BYE, "bad PROXY header");
		return -1;
	}
	free(s->pp);
	s->pp = NULL;
	s->deadline_ms = now_ms() + LOGIN_DEADLINE * 1000;
	s->health = h.cmd == PROXY_CMD_LOCAL;
	if (h.cmd == PROXY_CMD_PROXY) {
		char via[32];

		s->via = s->peer;
		s->peer = h.src;
		session_set_name(s);
		log_debug("%s: connection via %s", s->name,
		          addr_endpoint_str(&s->via, via, sizeof(via)));
		if (s->loop->proxied(s->loop, s) == -1)
			return -1;
	}
	/* The client's first TLS bytes may be in the socket already. */
	return session_handshake(s);
}

static int
session_handshake(struct session *s)
{
	char errs[256];
	int r = SSL_do_handshake(s->ssl);

	if (r == 1) {
		if (s->loop->client_cert &&
		    clientcert_user(s->ssl, s->certuser, sizeof(s->certuser)) != 0) {
			log_limited(s->loop->lim_accept, "%s: refused: the client "
			            "certificate's CN is not a user name", s->name);
			session_close(s, VPN_ERR_REFUSED, "the client certificate's "
			              "CN is not a user name");
			return -1;
		}
		s->state = SS_LOGIN;
		log_limited(s->loop->lim_hello, "%s: TLS handshake done (%s, %s)",
		            s->name, SSL_get_version(s->ssl),
		            SSL_get_cipher_name(s->ssl));
		return session_watch(s, false);
	}
	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return session_watch(s, false);
	case SSL_ERROR_WANT_WRITE:
		return session_watch(s, true);
	}
	/* Clients that reject our certificate end up here, as do port scans;
	 * a balancer's health check (PROXY LOCAL, then close) every second
	 * is not news, and must not use up the limiter's lines. */
	if (s->health)
		log_debug("%s: health check closed: %s", s->name,
		          ssl_errors(errs, sizeof(errs)));
	else if (s->loop->client_cert &&
	         SSL_get_verify_result(s->ssl) != X509_V_OK)
		/* Why the client's certificate was refused, in one word. */
		log_limited(s->loop->lim_accept, "%s: TLS handshake failed: "
		            "client certificate refused: %s (%s)", s->name,
		            tls_verify_category(SSL_get_verify_result(s->ssl)),
		            ssl_errors(errs, sizeof(errs)));
	else
		log_limited(s->loop->lim_accept, "%s: TLS handshake failed: %s",
		            s->name, ssl_errors(errs, sizeof(errs)));
	session_close(s, VPN_ERR_PROTOCOL, "TLS handshake failed");
	return -1;
}

/*
 * The server admitted s with cfg (its address among it), nclients logged in
 * now, s included: sends CONFIG, and DATA may flow from here on.
 */
int
session_start(struct session *s, const struct vpn_config *cfg,
              unsigned nclients)
{
	uint8_t msg[CONFIG_LEN_MAX];
	char a[INET_ADDRSTRLEN];

	if (frame_append(&s->tx, FRAME_CONFIG, msg, config_encode(cfg, msg)) == -1) {
		session_close(s, VPN_ERR_INTERNAL, "no room for CONFIG");
		return -1;
	}
	s->state = SS_ACTIVE;
	s->since = time(NULL);
	ka_init(&s->ka, cfg->ka_interval, cfg->ka_timeout, now_ms());
	inet_ntop(AF_INET, &s->addr, a, sizeof(a));
	log_info("%s: logged in, tunnel address %s (%u client%s)", s->name, a,
	         nclients, nclients == 1 ? "" : "s");
	return session_flush(s);
}

/*
 * The helper's verdict. It is counted by the throttle now, but given to the
 * client only at s->verdict_ms, good or bad alike, so that neither the
 * helper's timing nor the throttle tells a guesser anything early. Returns
 * 1 when that time has come, 0 while it is held back (SS_DELAYED), -1 if
 * the session is gone.
 */
int
session_auth_done(struct session *s, enum auth_result res, uint64_t now)
{
	bool banned = false;

	if (s->throttled) {
		banned = throttle_end(s->loop->throttle, s->peer.sin_addr, s->user,
		                      res, now);
		s->throttled = false;
	}
	if (res == AUTH_ERROR) {
		session_close(s, VPN_ERR_INTERNAL, "password check failed on the "
		              "server");
		return -1;
	}
	s->result = res;
	/* The user name is checked to be printable; no password here. The
	 * failure that bans is the ban's one line, never held back; the others
	 * are limited like everything a peer that never logged in causes. */
	if (res != AUTH_OK && banned)
		log_warnx("%s: login failed for user '%s': wrong user name or "
		          "password; address banned for a while", s->name, s->user);
	else if (res != AUTH_OK)
		log_limited(s->loop->lim_failed, "%s: login failed for user '%s': "
		            "wrong user name or password", s->name, s->user);
	if (now >= s->verdict_ms)
		return 1;
	s->state = SS_DELAYED;
	s->deadline_ms = s->verdict_ms;
	return 0;
}

static int
session_on_auth(struct session *s, const struct frame *f)
{
	struct throttle *t = s->loop->throttle;
	struct login lg;
	const char *why;
	char msg[96];
	unsigned wait, delay;
	uint64_t now = now_ms();
	int r;

	if ((r = login_parse(f->payload, f->len, &lg, &why)) < 0) {
		login_wipe(&lg);
		/* -2: a version or user name we will never take; the client
		 * must not come back with it. */
		log_limited(s->loop->lim_refused, "%s: bad AUTH: %s", s->name, why);
		session_close(s, r == -2 ? VPN_ERR_REFUSED : VPN_ERR_PROTOCOL, why);
		return -1;
	}
	/* The password is now in lg; wipe it from the receive buffer too. */
	OPENSSL_cleanse((void *)f->payload, f->len);
	/* A certificate speaks for one user only: alice's certificate and
	 * bob's password do not make bob. */
	if (s->loop->client_cert && strcmp(lg.user, s->certuser) != 0) {
		log_limited(s->loop->lim_refused, "%s: refused: user '%s' is not "
		            "the client certificate's ('%s')", s->name, lg.user,
		            s->certuser);
		login_wipe(&lg);
		session_close(s, VPN_ERR_REFUSED, "the user name is not the client "
		              "certificate's");
		return -1;
	}
	memcpy(s->user, lg.user, sizeof(s->user));
	s->want = lg.want;
	session_set_name(s);
	/* Counted in flight now, before the helper answers. */
	delay = throttle_delay(t, s->peer.sin_addr, now);
	wait = throttle_begin(t, s->peer.sin_addr, now);
	if (wait > 0) {
		login_wipe(&lg);
		snprintf(msg, sizeof(msg), "too many failed logins from this "
		         "address; try again in %u s", wait);
		log_limited(s->loop->lim_refused, "%s: refused, too many failed "
		            "logins from this address (try again in %u s)",
		            s->name, wait);
		session_close(s, VPN_ERR_BANNED, msg);
		return -1;
	}
	s->throttled = true;
	s->verdict_ms = now + (delay > LOGIN_FLOOR_MS ? delay : LOGIN_FLOOR_MS);
	if ((r = s->loop->ask(s->loop, s, &lg)) != 0) {
		login_wipe(&lg);
		if (r == -1) {
			session_close(s, VPN_ERR_INTERNAL, "password check "
			              "unavailable");
			return -1;
		}
		snprintf(msg, sizeof(msg), "too many logins waiting for their "
		         "check; " ERROR_RETRY_TEXT "%d s", r);
		log_limited(s->loop->lim_refused, "%s: refused: %s", s->name, msg);
		session_close(s, VPN_ERR_BUSY, msg);
		return -1;
	}
	login_wipe(&lg);
	s->state = SS_CHECKING;
	s->deadline_ms = now + AUTH_CHECK_TIMEOUT * 1000;
	return 0;
}

/* A DATA frame from the client (or a GSO frame's packet, session_gso.c):
 * to the TUN, if the source is its own. */
void
session_on_data(struct session *s, const struct frame *f)
{
	struct ipv4_hdr_info ip;
	const char *why;
	char src[INET_ADDRSTRLEN], own[INET_ADDRSTRLEN];

	/* IPv6, for a client that asked for it (session6.c). */
	if (s->v6 && s->gso == NULL && (f->payload[0] >> 4) == 6) {
		session_on_data6(s, f);
		return;
	}
	if (ipv4_parse(f->payload, f->len, &ip, &why) == -1) {
		s->drops++;
		log_limited(&s->lim_bad, "%s: dropped a packet: %s", s->name, why);
		return;
	}
	/* SOLUTION BEGIN: anti-spoofing: a packet whose source is not the
	 * address this client was given (s->addr) is dropped: count it in
	 * s->drops, log it (rate-limited, s->lim_spoof) as "NAME: dropped a
	 * packet from SRC: not the client's address OWN" (s->name, inet_ntop)
	 * and return: it never reaches the TUN */
	if (ip.src.s_addr != s->addr.s_addr) {
		s->drops++;
		inet_ntop(AF_INET, &ip.src, src, sizeof(src));
		inet_ntop(AF_INET, &s->addr, own, sizeof(own));
		log_limited(&s->lim_spoof, "%s: dropped a packet from %s: not the "
		            "client's address %s", s->name, src, own);
		return;
	}
	/* SOLUTION STUB: s->drops++; */
	/* SOLUTION STUB: log_limited(&s->lim_spoof, "%s: task 10: the source address check is not written yet (task10-tls/session.c): packet dropped", s->name); */
	/* SOLUTION STUB: return; */
	/* SOLUTION END */
	/* Another client's address: the kernel would route it back out of
	 * the TUN to that client. Off unless --client-to-client. */
	if (!s->loop->client_to_client &&
	    (ip.dst.s_addr & s->loop->pool_mask) == s->loop->pool_net &&
	    ip.dst.s_addr != s->loop->server_addr.s_addr) {
		session_drop_c2c(s, inet_ntop(AF_INET, &ip.dst, src, sizeof(src)));
		return;
	}
	/* ip.total_len, not f->len: bytes past the IPv4 length are junk. */
	session_deliver(s, f->payload, ip.total_len);
}

/* A packet to another client's address, with client-to-client off. */
void
session_drop_c2c(struct session *s, const char *dst)
{
	s->drops++;
	log_limited(&s->lim_spoof, "%s: dropped a packet to %s: traffic between "
	            "clients is off (--client-to-client)", s->name, dst);
}

/* A checked packet of the client's (IPv4 or IPv6) into the TUN. */
void
session_deliver(struct session *s, const uint8_t *pkt, size_t len)
{
	if (session_tun_write(s, pkt, len) == -1) {
		s->drops++;
		log_limited(s->loop->lim_tun, "%s: writing %zu bytes to %s: %s",
		            s->name, len, s->loop->tunname, strerror(errno));
		return;
	}
	s->pkts_in++;
	s->bytes_in += len;
}

static int
session_on_frame(struct session *s, const struct frame *f)
{
	enum vpn_error code;
	char text[ERROR_TEXT_MAX + 1], msg[128];

	switch (f->type) {
	case FRAME_KEEPALIVE:
		return 0;
	case FRAME_ERROR:
		frame_parse_error(f, &code, text, sizeof(text));
		if (code != VPN_ERR_BYE)
			log_info("%s: client reports %s: %s", s->name,
			         vpn_error_name(code), text);
		session_close(s, VPN_ERR_BYE, "client closed");
		return -1;
	case FRAME_AUTH:
		if (s->state == SS_LOGIN)
			return session_on_auth(s, f);
		break;
	case FRAME_DATA:
		if (s->state == SS_ACTIVE) {
			session_on_data(s, f);
			return 0;
		}
		break;
	case FRAME_OFFLOAD:
		if (s->state == SS_ACTIVE && !s->offload_asked)
			return session_on_offload(s, f);
		break;
	case FRAME_GSO:
		if (s->state == SS_ACTIVE && s->offload != 0) {
			session_on_gso(s, f);
			return 0;
		}
		break;
	case FRAME_CONFIG6:
		if (s->state == SS_ACTIVE && !s->v6_asked)
			return session_on_config6(s, f);
		break;
	}
	snprintf(msg, sizeof(msg), "unexpected %s frame %s", frame_type_name(f->type),
	         s->state == SS_ACTIVE ? "after login" : "before login");
	session_close(s, VPN_ERR_PROTOCOL, msg);
	return -1;
}

static void
session_set_more(struct session *s, bool more)
{
	if (s->more != more)
		s->loop->more(s->loop, s, more);
	s->more = more;
}

/*
 * Reads and handles frames, at most READ_FRAMES_MAX or READ_BYTES_MAX per
 * call so that one fast client cannot starve the others. When it stops
 * with data left (in rx, inside OpenSSL, or on the socket) it sets s->more:
 * epoll cannot see what OpenSSL holds, so server.c calls again at once.
 */
static int
session_read(struct session *s)
{
	char errs[256];
	struct frame f;
	const char *why;
	size_t room, n, bytes = 0;
	unsigned frames = 0;
	uint8_t *tail;
	int r = 0;

	for (;;) {
		while (frames < READ_FRAMES_MAX &&
		       (r = frame_next(&s->rx, s->loop->mtu, &f, &why)) == 1) {
			frames++;
			if (session_on_frame(s, &f) == -1)
				return -1;
		}
		if (frames < READ_FRAMES_MAX && r == -1) {
			log_limited(&s->lim_bad, "%s: %s", s->name, why);
			session_close(s, VPN_ERR_PROTOCOL, why);
			return -1;
		}
		if (frames >= READ_FRAMES_MAX || bytes >= READ_BYTES_MAX) {
			session_set_more(s, true);
			return 0;
		}
		tail = fbuf_tail(&s->rx, &room);
		if (!SSL_read_ex(s->ssl, tail, room, &n)) {
			switch (SSL_get_error(s->ssl, 0)) {
			case SSL_ERROR_WANT_READ:
				session_set_more(s, false);
				return 0;
			case SSL_ERROR_WANT_WRITE:
				session_set_more(s, false);
				return session_watch(s, true);
			case SSL_ERROR_ZERO_RETURN:
				session_close(s, VPN_ERR_BYE, "client closed TLS");
				return -1;
			}
			log_limited(&s->lim_bad, "%s: TLS read: %s", s->name,
			            ssl_errors(errs, sizeof(errs)));
			session_close(s, VPN_ERR_BYE, "connection lost");
			return -1;
		}
		s->rx.len += n;
		bytes += n;
		if (s->state == SS_ACTIVE)
			s->ka.last_rx_ms = now_ms();
	}
}

/* Writes what tx holds; EPOLLOUT stays on while some is left. */
int
session_flush(struct session *s)
{
	char errs[256];
	bool wrote;
	enum tls_io r;

	/* Half a superpacket or more waits: its records go out in 64 KiB writes
	 * (the buffer is given back when the session goes idle). */
	if (s->offload != 0 && s->tx.len >= TLS_COALESCE_LEN / 2)
		(void)tls_coalesce_writes(s->ssl, TLS_COALESCE_LEN);
	r = tls_write_fbuf(s->ssl, &s->tx, &wrote);
	if (wrote)
		s->ka.last_tx_ms = now_ms();
	switch (r) {
	case TLS_IO_DONE:
		break;
	case TLS_IO_WANT_WRITE:
		return s->pollout ? 0 : session_watch(s, true);
	case TLS_IO_WANT_READ:
		return 0;
	case TLS_IO_ERROR:
		log_limited(&s->lim_bad, "%s: TLS write: %s", s->name,
		            ssl_errors(errs, sizeof(errs)));
		session_close(s, VPN_ERR_BYE, "connection lost");
		return -1;
	}
	if (s->pollout)
		return session_watch(s, false);
	return 0;
}

int
session_io(struct session *s, uint32_t events)
{
	if (s->pp != NULL)
		return session_proxy_read(s);
	if (s->state == SS_HANDSHAKE)
		return session_handshake(s);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		if (session_read(s) == -1)
			return -1;
	if (s->tx.len > 0 || s->pollout)
		return session_flush(s);
	return 0;
}

/*
 * Queues one IPv4 packet from the TUN for this client. Returns false when
 * its output buffer is full: the packet is dropped, as a router with a full
 * queue would, and the TCP inside the tunnel slows down.
 */
bool
session_queue_packet(struct session *s, const uint8_t *pkt, size_t len)
{
	uint8_t *p = frame_reserve(&s->tx, len);

	if (p == NULL) {
		s->drops++;
		return false;
	}
	memcpy(p, pkt, len);
	frame_commit(&s->tx, FRAME_DATA, len);
	s->pkts_out++;
	s->bytes_out += len;
	return true;
}

/* Timers, once a second or so. Returns 1 when a held-back verdict is due
 * (see session_auth_done()). */
int
session_tick(struct session *s, uint64_t now)
{
	char msg[64];

	switch (s->state) {
	case SS_HANDSHAKE:
	case SS_LOGIN:
		if (now >= s->deadline_ms) {
			session_close(s, VPN_ERR_TIMEOUT, s->pp != NULL
			              ? "no PROXY header in time" : "no login in time");
			return -1;
		}
		return 0;
	case SS_CHECKING:
		if (now >= s->deadline_ms) {
			session_close(s, VPN_ERR_INTERNAL, "password check took too "
			              "long");
			return -1;
		}
		return 0;
	case SS_DELAYED:
		if (now < s->deadline_ms)
			return 0;
		s->state = SS_CHECKING;
		return 1;
	case SS_ACTIVE:
		if (ka_expired(&s->ka, now)) {
			snprintf(msg, sizeof(msg), "nothing heard for %llu s",
			         (unsigned long long)(now - s->ka.last_rx_ms) / 1000);
			session_close(s, VPN_ERR_TIMEOUT, msg);
			return -1;
		}
		/* Idle for a while: the buffers' pages go back (a burst of
		 * traffic may have touched all 320 KiB of them), and the
		 * write buffer of tls_coalesce_writes(). */
		if (s->tx.len == 0 && s->rx.len == 0 &&
		    (s->tx.hw > IDLE_KEEP_BYTES || s->rx.hw > IDLE_KEEP_BYTES) &&
		    now - s->ka.last_rx_ms >= IDLE_RELEASE_MS &&
		    now - s->ka.last_tx_ms >= IDLE_RELEASE_MS) {
			fbuf_release(&s->tx);
			fbuf_release(&s->rx);
			(void)tls_uncoalesce_writes(s->ssl);
		}
		if (ka_send_due(&s->ka, now) && s->tx.len == 0) {
			if (frame_append(&s->tx, FRAME_KEEPALIVE, NULL, 0) == 0)
				return session_flush(s);
		}
		return 0;
	}
	return 0;
}
