	int top = (r->tun > r->sock ? r->tun : r->sock) + 1;

	for (;;) {
		fd_set rd;
		int ready;

		if (signals_stop_requested())
			break;
		FD_ZERO(&rd);
		FD_SET(r->tun, &rd);
		FD_SET(r->sock, &rd);
		ready = select(top, &rd, NULL, NULL, NULL);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_warn("select");
			return -1;
		}
		if (FD_ISSET(r->sock, &rd) && relay_from_sock(r) < 0)
			return -1;
		else if (FD_ISSET(r->tun, &rd) && relay_from_tun(r) < 0)
			return -1;
	}
