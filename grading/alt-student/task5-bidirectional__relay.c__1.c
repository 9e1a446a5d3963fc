	static uint8_t out[VL_IP_MAX + 1];
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
	ssize_t got = read(r->tun, out, sizeof out);

	if (got < 0) {
		switch (errno) {
		case EINTR:
		case EAGAIN:
			return 0;
		case EBADFD:
		case EIO:
			log_warn("read %s: the interface is gone", r->ifname);
			return -1;
		default:
			log_limited(&r->io_err, "%s: read error %s", r->ifname, strerror(errno));
			return 0;
		}
	}
	if (got < 20 || out[0] >> 4 != 4)
		return 0;                  /* the tunnel carries IPv4 only */
	if (!r->have_peer) {
		log_limited(&r->no_peer, "%s: %zd bytes but no client known yet: dropped",
		            r->ifname, got);
		return 0;
	}
	inet_ntop(AF_INET, out + 12, s, sizeof s);
	inet_ntop(AF_INET, out + 16, d, sizeof d);
	inet_ntop(AF_INET, &r->peer.sin_addr, to, sizeof to);
	printf("From tun    ==>: %s --> %s  to %s:%u\n", s, d, to, ntohs(r->peer.sin_port));
	if (sendto(r->sock, out, (size_t)got, 0, (const struct sockaddr *)&r->peer,
	           (socklen_t)sizeof r->peer) < 0)
		log_limited(&r->io_err, "send to %s:%u: %s; packet lost", to,
		            ntohs(r->peer.sin_port), strerror(errno));
