/*
 * server.c - the server's event loop: one epoll set for the listening
 * socket, the TUN device, the auth helper and every client.
 *
 * TUN -> clients: up to BATCH_MAX packets are read from the (nonblocking)
 * TUN per wake-up, each appended as a DATA frame to the output buffer of
 * the client that owns its destination address; then every client that got
 * something is flushed with one SSL_write of its whole buffer, so several
 * packets share a TLS record and a TCP segment.
 *
 * Clients -> TUN: session.c, as frames arrive, at most a budget per
 * client and wake-up; a client that had more is served again right after
 * the others (s->more), without waiting for epoll.
 *
 * Connection slots: max_active for logged-in clients plus PRELOGIN_MAX for
 * connections that have not logged in yet, so a flood of connections that
 * never finish TLS or AUTH cannot take the slots of clients. One address
 * holds at most PRELOGIN_PER_ADDR of those; when a new connection finds
 * its address's share, or all of them, taken, the oldest one that has not
 * sent AUTH yet is closed to make room (new connections are never refused
 * because of old idle ones, which would be the lock-out), and every one of
 * them must log in within LOGIN_DEADLINE seconds.
 *
 * Password checks go to the helper's workers in arrival order (a FIFO
 * here, srv->queue), one per worker at a time and never two from the same
 * source address at once: one address cannot fill the helper, and a
 * question whose client left is dropped from the queue unasked. A session
 * waiting for its verdict is never closed to make room. When the queue
 * would take longer than AUTH_QUEUE_MAX_MS, new AUTHs are refused BUSY
 * with the seconds to come back ("retry in N s").
 *
 * Out of descriptors (EMFILE), the listener leaves the epoll set for
 * ACCEPT_PAUSE_MS instead of waking us for the same error at once.
 *
 * Admission: a client whose password is right still has to pass
 * server_admit() (a ban that came while its password was checked, one
 * session per user, the client limit, a free address) before it is sent its
 * CONFIG. The server's counters and slot table change only here: on accept,
 * on admission, and when a session asks to be forgotten (server_forget()).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "server.h"

#define TICK_FAST_MS     20
#define ACCEPT_PAUSE_MS  250
#define TRIM_AFTER_FREED 32

/* The server a session's loop belongs to (srv->loop is the first member). */
static struct server *
loop_server(struct session_loop *loop)
{
	return (struct server *)(void *)((char *)loop -
	                                 offsetof(struct server, loop));
}

static int
server_watch(struct session_loop *loop, struct session *s, bool out)
{
	struct server *srv = loop_server(loop);
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0),
		.data.u64 = EV_TAG(EV_SESSION, s->id),
	};
	/* The first call for a session adds it; later ones modify. */
	if (epoll_ctl(srv->epfd, EPOLL_CTL_MOD, s->fd, &ev) == -1) {
		if (errno != ENOENT ||
		    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, s->fd, &ev) == -1) {
			log_warn("%s: epoll_ctl", s->name);
			return -1;
		}
	}
	return 0;
}

static void
server_more_set(struct session_loop *loop, struct session *s, bool more)
{
	(void)s;
	loop_server(loop)->nmore += more ? 1 : -1;
}

/* True when a worker is checking a login from addr now. */
static bool
server_addr_checking(const struct server *srv, struct in_addr addr)
{
	for (unsigned i = 0; i < srv->nbusy; i++)
		if (srv->busy[i].addr.s_addr == addr.s_addr)
			return true;
	return false;
}

static void
queue_remove(struct server *srv, unsigned i)
{
	OPENSSL_cleanse(&srv->queue[i].lg, sizeof(srv->queue[i].lg));
	memmove(&srv->queue[i], &srv->queue[i + 1],
	        (srv->qlen - i - 1) * sizeof(srv->queue[0]));
	srv->qlen--;
	OPENSSL_cleanse(&srv->queue[srv->qlen], sizeof(srv->queue[0]));
}

/* Hands queued logins to free workers: the oldest first, skipping those
 * whose address has a check at a worker already (they wait their turn). */
static void
server_dispatch(struct server *srv)
{
	for (unsigned i = 0; i < srv->qlen && srv->nbusy < srv->nworkers;) {
		struct auth_wait *q = &srv->queue[i];

		if (server_addr_checking(srv, q->addr)) {
			i++;
			continue;
		}
		if (authproc_send(srv->authfd, q->req, &q->lg) == -1)
			return;   /* stays queued; its session times out */
		srv->busy[srv->nbusy++] = (struct auth_busy){
			.sid = q->sid, .addr = q->addr, .req = q->req,
			.sent_ms = now_ms(),
		};
		queue_remove(srv, i);
	}
}

/* Milliseconds the queue needs before a new login would be checked. */
static uint64_t
server_queue_wait(const struct server *srv)
{
	return (uint64_t)(srv->qlen + srv->nbusy) * srv->check_ms /
	       srv->nworkers;
}

/* Queues a question for the auth helper; its answer is matched by req_id,
 * never reused. Returns 0, or the seconds to come back when busy. */
static int
server_ask(struct session_loop *loop, struct session *s,
           const struct login *lg)
{
	struct server *srv = loop_server(loop);
	uint64_t wait = server_queue_wait(srv);
	struct auth_wait *q;

	if (srv->opt->cert_only) {
		/* The verified certificate named this user (session.c): no
		 * password to check; the answer comes after this round. */
		s->req_id = ++srv->next_req;
		srv->certok[srv->ncertok++] = (struct auth_busy){
			.sid = s->id, .req = s->req_id,
		};
		return 0;
	}
	if (wait > AUTH_QUEUE_MAX_MS || srv->qlen == srv->max_conns)
		return (int)(wait / 1000 + 1);
	s->req_id = ++srv->next_req;
	q = &srv->queue[srv->qlen++];
	q->sid = s->id;
	q->addr = s->peer.sin_addr;
	q->req = s->req_id;
	q->lg = *lg;
	server_dispatch(srv);
	return 0;
}

/* Undoes what the server counted for s: its slot, address and counters,
 * and its question if it is still queued (never asked now). */
static void
server_forget(struct session_loop *loop, struct session *s)
{
	struct server *srv = loop_server(loop);

	if (s->has_addr) {
		if (!pool_contains(&srv->pool, s->addr))   /* from another slice */
			roam_send(srv->roamfd, 'D', s->addr, NULL);
		pool_free(&srv->pool, s->addr);
		srv->nactive--;
	}
	if (s->state == SS_DELAYED)
		srv->ndelayed--;
	if (s->more)
		srv->nmore--;
	if (s->state == SS_CHECKING)
		for (unsigned i = 0; i < srv->qlen; i++)
			if (srv->queue[i].sid == s->id) {
				queue_remove(srv, i);
				break;
			}
	srv->sess[s->id & 0xffff] = NULL;
	srv->nsess--;
	srv->nfreed++;
}

/* Which pre-login session goes first: the oldest. Only those that have
 * not sent AUTH may go: one waiting for its verdict has done everything
 * asked of it, and closing it would make a storm of logins never end. */
static bool
evict_before(const struct session *a, const struct session *b)
{
	return a->accepted_ms < b->accepted_ms;
}

/* Makes room for a new connection from addr. Returns a free slot, or -1
 * (every slot is taken by logged-in clients or logins being checked). */
static long
server_make_room(struct server *srv, struct in_addr addr, bool per_addr)
{
	struct session *victim = NULL, *oldest = NULL, *oldest_here = NULL, *s;
	unsigned here = 0, pre = 0;   /* not logged in: from addr, in all */
	long free_slot = -1;
	char ep[32];

	for (unsigned i = 0; i < srv->max_conns; i++) {
		s = srv->sess[i];
		if (s == NULL) {
			if (free_slot < 0)
				free_slot = (long)i;
			continue;
		}
		if (s->state == SS_ACTIVE)
			continue;
		pre++;
		here += s->peer.sin_addr.s_addr == addr.s_addr;
		if (s->state >= SS_CHECKING)
			continue;
		if (oldest == NULL || evict_before(s, oldest))
			oldest = s;
		if (s->peer.sin_addr.s_addr == addr.s_addr &&
		    (oldest_here == NULL || evict_before(s, oldest_here)))
			oldest_here = s;
	}
	if (per_addr && here >= PRELOGIN_PER_ADDR) {
		if ((victim = oldest_here) == NULL)
			return -1;
	} else if (pre >= srv->max_prelogin || free_slot < 0) {
		if ((victim = oldest) == NULL)
			return -1;
	}
	if (victim != NULL) {
		long slot = (long)(victim->id & 0xffff);
		char why[96];

		log_limited(&srv->lim_accept, "%s: closed to make room for a "
		            "connection from %s (%u waiting for login, %u from "
		            "there)", victim->name,
		            inet_ntop(AF_INET, &addr, ep, sizeof(ep)), pre, here);
		snprintf(why, sizeof(why), "too many connections waiting for "
		         "login; " ERROR_RETRY_TEXT "%llu s",
		         (unsigned long long)(server_queue_wait(srv) / 1000 + 1));
		session_close(victim, VPN_ERR_TIMEOUT, why);
		if (free_slot < 0)
			free_slot = slot;
	}
	return free_slot;
}

/* Out of descriptors: accept would fail again at once, and the listener
 * would wake us for it at once too; stop watching it for a moment. */
static void
server_accept_pause(struct server *srv)
{
	log_limited(&srv->lim_accept, "accept: %s; not accepting for %d ms "
	            "(%u connections open)", strerror(errno), ACCEPT_PAUSE_MS,
	            srv->nsess);
	if (epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL) == -1) {
		log_warn("epoll_ctl(DEL, listener)");
		return;
	}
	srv->accept_paused = true;
	srv->accept_resume_ms = now_ms() + ACCEPT_PAUSE_MS;
}

static void
server_accept_resume(struct server *srv)
{
	struct epoll_event ev = {
		.events = EPOLLIN, .data.u64 = EV_TAG(EV_LISTEN, 0),
	};

	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) == -1) {
		log_warn("epoll_ctl(ADD, listener)");
		srv->accept_resume_ms = now_ms() + ACCEPT_PAUSE_MS;
		return;
	}
	srv->accept_paused = false;
}

static void
server_accept(struct server *srv)
{
	struct sockaddr_in peer;
	struct session *s;
	socklen_t plen;
	uint32_t id;
	long slot;
	int fd;

	for (;;) {
		plen = sizeof(peer);
		fd = accept4(srv->lfd, (struct sockaddr *)&peer, &plen,
		             SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				server_accept_pause(srv);
			else if (errno != EAGAIN && errno != EINTR &&
			         errno != ECONNABORTED)
				log_limited(&srv->lim_accept, "accept: %s",
				            strerror(errno));
			return;
		}
		if (peer.sin_family != AF_INET) {
			close(fd);
			continue;
		}
		/* Behind a balancer the address is the balancer's until the
		 * PROXY header names the client (server_proxied()). */
		if (srv->opt->nproxy > 0 &&
		    !proxy_trusted(srv->opt->proxy, srv->opt->nproxy,
		                   peer.sin_addr)) {
			char ep[32];

			log_limited(&srv->lim_accept, "refusing a connection from "
			            "%s: not a trusted proxy (--proxy-protocol)",
			            addr_endpoint_str(&peer, ep, sizeof(ep)));
			close(fd);
			continue;
		}
		slot = server_make_room(srv, peer.sin_addr, srv->opt->nproxy == 0);
		if (slot < 0) {
			log_limited(&srv->lim_accept, "refusing a connection: %u "
			            "connections open already, %u logins being "
			            "checked", srv->nsess, srv->qlen + srv->nbusy);
			close(fd);
			continue;
		}
		id = (uint32_t)++srv->gen << 16 | (uint32_t)slot;
		if (tcp_tune(fd) == -1 ||
		    (s = session_new(&srv->loop, fd, &peer, id)) == NULL) {
			close(fd);
			continue;
		}
		srv->sess[slot] = s;
		srv->nsess++;
	}
}

/*
 * s's PROXY header named its client: the per-address share of pre-login
 * slots (server_make_room()) applies to that address now. Returns -1 if
 * s itself had to go.
 */
static int
server_proxied(struct session_loop *loop, struct session *s)
{
	struct server *srv = loop_server(loop);
	struct session *oldest = NULL, *o;
	unsigned here = 0;

	for (unsigned i = 0; i < srv->max_conns; i++) {
		o = srv->sess[i];
		if (o == NULL || o == s || o->state == SS_ACTIVE ||
		    o->peer.sin_addr.s_addr != s->peer.sin_addr.s_addr)
			continue;
		here++;
		if (o->state < SS_CHECKING &&
		    (oldest == NULL || evict_before(o, oldest)))
			oldest = o;
	}
	if (here < PRELOGIN_PER_ADDR)
		return 0;
	if (oldest == NULL) {
		log_limited(&srv->lim_accept, "%s: refused: %u logins from there "
		            "being checked", s->name, here);
		session_close(s, VPN_ERR_BUSY, "too many logins from this address; "
		              ERROR_RETRY_TEXT "5 s");
		return -1;
	}
	log_limited(&srv->lim_accept, "%s: closed to make room for a "
	            "connection from the same address (%u waiting for login)",
	            oldest->name, here);
	session_close(oldest, VPN_ERR_TIMEOUT, "too many connections waiting "
	              "for login; " ERROR_RETRY_TEXT "1 s");
	return 0;
}

/* The logged-in session of user other than except, or NULL. */
static struct session *
server_user_session(struct server *srv, const char *user,
                    const struct session *except)
{
	for (unsigned i = 0; i < srv->max_conns; i++) {
		struct session *s = srv->sess[i];

		if (s != NULL && s != except && s->state == SS_ACTIVE &&
		    strcmp(s->user, user) == 0)
			return s;
	}
	return NULL;
}

/*
 * The verdict on s's password is due (session_auth_done() or
 * session_tick() said so): closes s, or gives it an address and starts it.
 * Returns -1 if s is gone.
 */
static int
server_admit(struct server *srv, struct session *s)
{
	struct vpn_config cfg;
	struct session *old;
	char why[96];
	unsigned ban;

	if (s->result != AUTH_OK) {
		session_close(s, VPN_ERR_AUTH, "wrong user name or password");
		return -1;
	}
	/* Failures from this address may have banned it while we checked. */
	ban = throttle_banned(&srv->throttle, s->peer.sin_addr, now_ms());
	if (ban > 0) {
		snprintf(why, sizeof(why), "too many failed logins from this "
		         "address; try again in %u s", ban);
		log_warnx("%s: refused, address banned for %u more s", s->name,
		          ban);
		session_close(s, VPN_ERR_BANNED, why);
		return -1;
	}
	/* One session per user: a new login replaces the older one, which
	 * hands its address over (it is leased to this user). */
	old = server_user_session(srv, s->user, s);
	if (old != NULL) {
		log_info("%s: replaced by a new login from %s", old->name, s->name);
		session_close(old, VPN_ERR_REPLACED, "the same user logged in "
		              "again");
	}
	if (srv->nactive >= srv->max_active) {
		log_warnx("%s: %u clients logged in already", s->name,
		          srv->nactive);
		/* It will not change soon: come back later, not at once. */
		session_close(s, VPN_ERR_POOL_FULL, "too many clients; "
		              ERROR_RETRY_TEXT "30 s");
		return -1;
	}
	if (pool_alloc(&srv->pool, s->user, s->want, s, &s->addr) == -1) {
		log_warnx("%s: address pool full (%u clients)", s->name,
		          srv->nactive);
		session_close(s, VPN_ERR_POOL_FULL, "no tunnel address left");
		return -1;
	}
	s->has_addr = true;
	if (!pool_contains(&srv->pool, s->addr))   /* kept from another slice */
		roam_send(srv->roamfd, 'A', s->addr, NULL);
	srv->nactive++;
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = s->addr;
	cfg.server = pool_server_addr(&srv->pool);
	cfg.prefixlen = srv->pool.prefixlen;
	cfg.mtu = srv->opt->mtu;
	cfg.ka_interval = srv->opt->ka_interval;
	cfg.ka_timeout = srv->opt->ka_timeout;
	cfg.nroutes = srv->opt->nroutes;
	memcpy(cfg.routes, srv->opt->routes, sizeof(cfg.routes));
	cfg.ndns = srv->opt->ndns;
	memcpy(cfg.dns, srv->opt->dns, sizeof(cfg.dns));
	memcpy(cfg.search, srv->opt->search, sizeof(cfg.search));
	return session_start(s, &cfg, srv->nactive);
}

static struct session *
server_session(struct server *srv, uint32_t id)
{
	struct session *s;

	if ((id & 0xffff) >= srv->max_conns)
		return NULL;
	s = srv->sess[id & 0xffff];
	return s != NULL && s->id == id ? s : NULL;
}

/* s has packets queued by this TUN batch: flushed once at its end. */
static void
server_dirty(struct server *srv, struct session *s)
{
	if (!s->dirty) {
		s->dirty = true;
		srv->dirty[srv->ndirty++] = s;
	}
}

/*
 * The session an IPv6 packet from the TUN is for: the pool6 address of
 * an IPv4 offset, held by a client that was given IPv6. NULL: nobody's
 * (the kernel's own multicast, a client that left).
 */
static struct session *
server_owner6(struct server *srv, const uint8_t *pkt, size_t len)
{
	struct ipv6_hdr_info ip;
	struct in_addr a;
	struct session *s;
	const char *why;
	uint32_t off;

	if (!srv->has6 || len > srv->opt->mtu ||
	    ipv6_parse(pkt, len, &ip, &why) == -1 || ip.total_len != len ||
	    pool6_offset(&srv->cfg6.server, srv->cfg6.prefixlen, &ip.dst,
	                 &off) == -1 || (off & ~srv->hostmask6) != 0)
		return NULL;
	a.s_addr = htonl((ntohl(srv->opt->pool_all_net.s_addr) &
	                  ~srv->hostmask6) | off);
	s = pool_owner(&srv->pool, a);
	return s != NULL && s->state == SS_ACTIVE && s->v6 ? s : NULL;
}

/* One IPv6 packet from the TUN to its client as a DATA frame. */
static void
server_tun_v6(struct server *srv, const uint8_t *pkt, size_t len)
{
	struct session *s = server_owner6(srv, pkt, len);

	if (s != NULL && session_queue_packet(s, pkt, len))
		server_dirty(srv, s);
}

/*
 * One packet from a vnet TUN (--offload), maybe a superpacket, to the
 * session that owns its destination: whole as a GSO frame if the client
 * asked for offloads, else cut into DATA frames. -1 when the TUN is empty.
 */
static int
server_tun_super(struct server *srv)
{
	uint8_t hdr[VNET_HDR_LEN];
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = srv->big, .iov_len = VNET_PKT_MAX },
	};
	struct vnet_gso g;
	struct in_addr dst;
	struct session *s;
	const char *why;
	unsigned frames, dropped = 0;
	size_t len;
	ssize_t n = readv(srv->tunfd, iov, 2);

	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_limited(&srv->lim_tun, "reading %s: %s", srv->tunname,
			            strerror(errno));
		return -1;
	}
	if (n < VNET_HDR_LEN + DATA_LEN_MIN)
		return 0;
	len = (size_t)n - VNET_HDR_LEN;
	if ((srv->big[0] >> 4) == 6 && srv->has6) {
		/* Never a superpacket (no TSO6); its checksum may be partial. */
		if (vnet_finish6(hdr, srv->big, len, &why) == -1)
			log_limited(&srv->lim_tun, "%s: dropped an IPv6 packet: %s",
			            srv->tunname, why);
		else
			server_tun_v6(srv, srv->big, len);
		return 0;
	}
	if ((srv->big[0] >> 4) != 4)
		return 0;                    /* not IPv4 */
	if (vnet_from_kernel(hdr, srv->big, len, srv->opt->mtu, &g, &why) == -1) {
		log_limited(&srv->lim_tun, "%s: dropped a packet: %s", srv->tunname,
		            why);
		return 0;
	}
	memcpy(&dst, srv->big + 16, 4);
	s = pool_owner(&srv->pool, dst);
	if (s == NULL || s->state != SS_ACTIVE)
		return 0;
	frames = gso_queue(&s->tx, s->offload, srv->big, len, &g, srv->scratch,
	                   &dropped);
	s->drops += dropped;
	s->pkts_out += frames;
	if (frames > 0)
		server_dirty(srv, s);
	return 0;
}

/* Reads a batch from the TUN and hands each packet to its client. */
static void
server_tun_read(struct server *srv)
{
	struct in_addr dst;
	struct session *s;
	ssize_t n;

	srv->ndirty = 0;
	for (int i = 0; i < BATCH_MAX; i++) {
		if (srv->vnet) {
			if (server_tun_super(srv) == -1)
				break;
			continue;
		}
		n = read(srv->tunfd, srv->pkt, sizeof(srv->pkt));
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_limited(&srv->lim_tun, "reading %s: %s",
				            srv->tunname, strerror(errno));
			break;
		}
		if (n >= DATA6_LEN_MIN && (srv->pkt[0] >> 4) == 6) {
			server_tun_v6(srv, srv->pkt, (size_t)n);
			continue;
		}
		if (n < DATA_LEN_MIN || (srv->pkt[0] >> 4) != 4 ||
		    (size_t)n > srv->opt->mtu)
			continue;           /* not IPv4 (router solicitations...) */
		memcpy(&dst, srv->pkt + 16, 4);
		s = pool_owner(&srv->pool, dst);
		if (s == NULL || s->state != SS_ACTIVE)
			continue;           /* no client has this address now */
		if (session_queue_packet(s, srv->pkt, (size_t)n))
			server_dirty(srv, s);
	}
	for (unsigned i = 0; i < srv->ndirty; i++) {
		s = srv->dirty[i];
		s->dirty = false;
		(void)session_flush(s);   /* may close s; not touched again */
	}
}

static void
server_auth_replies(struct server *srv)
{
	enum auth_result res;
	struct session *s;
	uint64_t id;
	int r;

	while ((r = authproc_recv(srv->authfd, &id, &res)) == 1) {
		struct auth_busy b;
		unsigned i;
		uint64_t now = now_ms();

		for (i = 0; i < srv->nbusy && srv->busy[i].req != id; i++)
			;
		if (i == srv->nbusy) {
			log_warnx("auth helper: an answer to no question (%llu)",
			          (unsigned long long)id);
			continue;
		}
		b = srv->busy[i];
		srv->busy[i] = srv->busy[--srv->nbusy];
		/* What BUSY's "retry in" is computed from. */
		srv->check_ms = (7 * srv->check_ms + (now - b.sent_ms)) / 8 + 1;
		/* Gone meanwhile (its client left): the answer is dropped; the
		 * throttle counted the leaving already. */
		s = server_session(srv, b.sid);
		if (s == NULL || s->state != SS_CHECKING || s->req_id != id)
			continue;
		r = session_auth_done(s, res, now);
		if (r == 1)
			(void)server_admit(srv, s);
		else if (r == 0)   /* held back: SS_DELAYED */
			srv->ndelayed++;
	}
	if (r == -1)
		fatalx("the auth helper is gone; cannot check passwords");
	server_dispatch(srv);
}

/* --client-cert-only: the logins asked this round get their answer, as
 * from the helper (held back to LOGIN_FLOOR_MS like any other). */
static void
server_cert_replies(struct server *srv)
{
	for (unsigned i = 0; i < srv->ncertok; i++) {
		struct session *s = server_session(srv, srv->certok[i].sid);
		int r;

		if (s == NULL || s->state != SS_CHECKING ||
		    s->req_id != srv->certok[i].req)
			continue;
		r = session_auth_done(s, AUTH_OK, now_ms());
		if (r == 1)
			(void)server_admit(srv, s);
		else if (r == 0)
			srv->ndelayed++;
	}
	srv->ncertok = 0;
}

/* A new CRL: sessions whose certificate it revokes end now (their
 * clients stop: VPN_ERR_AUTH is not retried). */
static void
server_revoke(struct server *srv)
{
	unsigned n = 0;

	for (unsigned i = 0; i < srv->max_conns; i++) {
		struct session *s = srv->sess[i];

		if (s == NULL || s->state == SS_HANDSHAKE ||
		    !clientcert_revoked(s->ssl))
			continue;
		log_info("%s: client certificate revoked: session closed", s->name);
		session_close(s, VPN_ERR_AUTH, "client certificate revoked");
		n++;
	}
	if (n > 0)
		log_info("--crl: %u session%s closed", n, n == 1 ? "" : "s");
}

static void
server_tick(struct server *srv)
{
	uint64_t now = now_ms();

	/* After a wave of clients left, give malloc's free memory (TLS
	 * state, sessions) back, so RSS follows the clients, not the peak. */
	if (srv->nfreed >= TRIM_AFTER_FREED) {
		(void)malloc_trim(0);
		srv->nfreed = 0;
	}

	for (unsigned i = 0; i < srv->max_conns; i++) {
		/* 1 only for a held-back verdict, now out of SS_DELAYED */
		if (srv->sess[i] != NULL && session_tick(srv->sess[i], now) == 1) {
			srv->ndelayed--;
			(void)server_admit(srv, srv->sess[i]);
		}
	}
}

/* Sessions that stopped reading at their budget get their next turn. */
static void
server_more(struct server *srv)
{
	for (unsigned i = 0; i < srv->max_conns && srv->nmore > 0; i++) {
		struct session *s = srv->sess[i];

		if (s != NULL && s->more)
			(void)session_io(s, EPOLLIN);
	}
}

static void
server_shutdown(struct server *srv)
{
	for (unsigned i = 0; i < srv->max_conns; i++)
		if (srv->sess[i] != NULL)
			session_close(srv->sess[i], VPN_ERR_SHUTDOWN,
			              "the server stops; reconnect later");
}

int
server_run(struct server *srv)
{
	struct epoll_event evs[64];
	uint64_t last_tick = now_ms();
	int n, tick, timeout;

	srv->loop = (struct session_loop){
		.ctx = srv->ctx, .mtu = srv->opt->mtu,
		.tunfd = srv->tunfd, .tunname = srv->tunname,
		.throttle = &srv->throttle,
		.lim_accept = &srv->lim_accept, .lim_hello = &srv->lim_hello,
		.lim_prelogin = &srv->lim_prelogin,
		.lim_refused = &srv->lim_refused, .lim_failed = &srv->lim_failed,
		.lim_tun = &srv->lim_tun,
		.vnet = srv->vnet, .offload = srv->offload, .scratch = srv->scratch,
		.watch = server_watch, .more = server_more_set,
		.ask = server_ask, .forget = server_forget,
		.proxied = server_proxied,
		.proxy_protocol = srv->opt->nproxy > 0,
		.pool_net = htonl(srv->pool.net),
		.pool_mask = htonl(srv->pool.prefixlen ? ~0u << (32 - srv->pool.prefixlen) : 0),
		.server_addr = pool_server_addr(&srv->pool),
		.client_to_client = srv->opt->client_to_client,
		.client_cert = srv->opt->client_ca != NULL,
		.v6 = srv->has6 ? &srv->cfg6 : NULL,
		.v6_hostmask = srv->hostmask6,
	};
	while (!server_stop_now(srv)) {
		/* SIGHUP with --crl: reread it here, not in the handler. */
		if (srv->opt->crl != NULL && clientcert_reload(srv->ctx))
			server_revoke(srv);
		/* Fast ticks while login answers are held back (LOGIN_FLOOR_MS). */
		tick = srv->ndelayed ? TICK_FAST_MS : 1000;
		timeout = srv->nmore ? 0 : tick;
		if (srv->accept_paused && timeout > ACCEPT_PAUSE_MS)
			timeout = ACCEPT_PAUSE_MS;
		n = epoll_wait(srv->epfd, evs, 64, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			server_shutdown(srv);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			struct session *s;

			switch (tag >> 56) {
			case EV_LISTEN:
				server_accept(srv);
				break;
			case EV_TUN:
				server_tun_read(srv);
				break;
			case EV_AUTH:
				server_auth_replies(srv);
				break;
			case EV_CONTROL:
				control_accept(srv);
				break;
			case EV_SESSION:
				s = server_session(srv, (uint32_t)tag);
				if (s != NULL)
					(void)session_io(s, evs[i].events);
				break;
			}
		}
		if (srv->ncertok > 0)
			server_cert_replies(srv);
		if (srv->nmore > 0)
			server_more(srv);
		if (srv->accept_paused && !srv->listen_off &&
		    now_ms() >= srv->accept_resume_ms)
			server_accept_resume(srv);
		if (now_ms() - last_tick >= (uint64_t)tick) {
			last_tick = now_ms();
			server_tick(srv);
		}
	}
	if (srv->draining && !signals_stop_requested())
		log_info("drained: shutting down, %u client%s left",
		         srv->nactive, srv->nactive == 1 ? "" : "s");
	else
		log_info("signal %d: shutting down, %u client%s connected",
		         signals_last(), srv->nactive,
		         srv->nactive == 1 ? "" : "s");
	server_shutdown(srv);
	return 0;
}
