/*
 * drain.c - taking a server out of a balanced set without dropping its
 * clients, and telling the balancer when it is full.
 *
 * Drain (SIGTERM with --drain-grace S > 0, or `drain` on the control
 * socket): the listener stops listening (shutdown(2), so new connections
 * are refused by the kernel and the balancer's health check marks the
 * server down at once), connections still logging in are closed with
 * MOVED, and every logged-in client is sent ERROR(MOVED) on its stream,
 * after whatever it had queued. A client that knows MOVED reconnects at
 * once, and the balancer sends it to another server; an older one treats
 * the unknown code like any close and reconnects with its backoff. The
 * server exits when the last client has gone or after S seconds, when the
 * rest are closed with SHUTDOWN. A second SIGTERM, or SIGINT, stops at once.
 *
 * Full (every client slot logged in): the listener stops listening too,
 * instead of accepting connections only to refuse their logins, so that a
 * balancer's health check sees the server is full and sends new clients
 * elsewhere; it listens again when a client leaves. Linux keeps the port
 * of a shut-down listening socket bound, so listen(2) needs no privilege.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "server.h"

#define MOVED_TEXT "the server is draining; reconnect now"

/* Stops (on false) or restarts listening. */
static int
listener_set(struct server *srv, bool on)
{
	struct epoll_event ev = {
		.events = EPOLLIN, .data.u64 = EV_TAG(EV_LISTEN, 0),
	};

	if (on == !srv->listen_off)
		return 0;
	if (!on) {
		/* Out of the epoll set already while accepting is paused. */
		if (epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL) == -1 &&
		    errno != ENOENT) {
			log_warn("epoll_ctl(DEL, listener)");
			return -1;
		}
		if (shutdown(srv->lfd, SHUT_RD) == -1) {
			log_warn("shutdown(listener)");
			return -1;
		}
		srv->listen_off = true;
		return 0;
	}
	if (listen(srv->lfd, (int)srv->opt->backlog) == -1) {
		log_warn("listen");
		return -1;
	}
	srv->listen_off = false;
	if (!srv->accept_paused &&
	    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) == -1) {
		log_warn("epoll_ctl(ADD, listener)");
		return -1;
	}
	return 0;
}

void
server_drain(struct server *srv, const char *why)
{
	unsigned told = 0;

	if (srv->draining)
		return;
	srv->draining = true;
	srv->drain_end_ms = now_ms() + srv->opt->drain_grace * 1000ull;
	(void)listener_set(srv, false);
	for (unsigned i = 0; i < srv->max_conns; i++) {
		struct session *s = srv->sess[i];

		if (s == NULL)
			continue;
		if (s->state != SS_ACTIVE) {
			session_close(s, VPN_ERR_MOVED, MOVED_TEXT);
			continue;
		}
		/* Behind the packets it has queued; the client closes. */
		if (frame_append_error(&s->tx, VPN_ERR_MOVED, MOVED_TEXT) == 0 &&
		    session_flush(s) == 0)
			told++;
	}
	log_info("%s: draining: not accepting, %u client%s told to move, "
	         "exit when they are gone or in %u s", why, told,
	         told == 1 ? "" : "s", srv->opt->drain_grace);
}

/* Listening follows whether a client slot is free (see the top). */
static void
server_capacity(struct server *srv)
{
	bool full = srv->nactive >= srv->max_active;

	if (srv->draining || full == srv->listen_off)
		return;
	if (listener_set(srv, !full) == 0)
		log_info(full ? "full (%u clients): not listening until one leaves"
		              : "%u clients: listening again", srv->nactive);
}

bool
server_stop_now(struct server *srv)
{
	if (srv->draining)
		return signals_stop_requested() || srv->nsess == 0 ||
		       now_ms() >= srv->drain_end_ms;
	if (signals_stop_requested()) {
		if (signals_last() != SIGTERM || srv->opt->drain_grace == 0)
			return true;
		signals_clear();
		server_drain(srv, "SIGTERM");
		return srv->nsess == 0;
	}
	server_capacity(srv);
	return false;
}
