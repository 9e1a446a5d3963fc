/*
 * signals.c - turn SIGINT/SIGTERM/SIGHUP into a flag an event loop polls.
 *
 * The handlers are installed without SA_RESTART, so a blocking read() or
 * epoll_wait() returns EINTR and the loop gets to look at the flag.
 */
#include <signal.h>
#include <string.h>

#include "vpnlab.h"

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
}

int
signals_init(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (sigaction(sigs[i], &sa, NULL) == -1) {
			log_warn("sigaction(%d)", sigs[i]);
			return -1;
		}
	}
	/* A peer that goes away must show up as EPIPE, not kill us. */
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1) {
		log_warn("sigaction(SIGPIPE)");
		return -1;
	}
	return 0;
}

bool
signals_stop_requested(void)
{
	return stop_signal != 0;
}

/* Forget the stop request: a loop that took it as "wind down" (a drain)
 * stops at once on the next one. */
void
signals_clear(void)
{
	stop_signal = 0;
}

int
signals_last(void)
{
	return stop_signal;
}
