	static uint8_t buf[1024];      /* a packet is at most 1024 bytes, right? */
	ssize_t got;

	got = read(c->tun, buf, sizeof buf);
	if (got < 0) {
		int e = errno;

		if (e == EINTR || e == EAGAIN)
			return 0;
		if (e == EBADFD || e == EIO) {
			log_warn("read %s: the interface is gone", c->ifname);
			return -1;
		}
		log_limited(&c->tun_err, "%s: read: %s", c->ifname, strerror(e));
		return 0;
	}
	if (got < 20 || (buf[0] & 0xf0) != 0x40)
		return 0;                  /* not IPv4 (IPv6 router solicitations...) */
	log_debug("%s: %zd bytes to the server", c->ifname, got);
	if (sendto(c->sock, buf, (size_t)got, 0, (const struct sockaddr *)&c->server,
	           (socklen_t)sizeof c->server) < 0)
		log_limited(&c->send_err, "to the server: %s (%zd bytes lost)",
		            strerror(errno), got);
