	static uint8_t in[VL_IP_MAX + 1];
	struct sockaddr_in src;
	socklen_t slen = sizeof src;
	char who[INET_ADDRSTRLEN + 8], was[INET_ADDRSTRLEN + 8];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], h[INET_ADDRSTRLEN];
	ssize_t got;
	size_t len, hl;
	bool same;

	got = recvfrom(r->sock, in, sizeof in, MSG_TRUNC, (struct sockaddr *)&src, &slen);
	if (got < 0) {
		if (errno != EINTR && errno != EAGAIN)
			log_limited(&r->io_err, "recvfrom: %s", strerror(errno));
		return 0;
	}
	len = (size_t)got;
	inet_ntop(AF_INET, &src.sin_addr, h, sizeof h);
	snprintf(who, sizeof who, "%s:%u", h, ntohs(src.sin_port));
	same = r->have_peer && src.sin_addr.s_addr == r->peer.sin_addr.s_addr &&
	       src.sin_port == r->peer.sin_port;
	if (!r->learn_peer && !same && 0) {
		log_limited(&r->bad_peer, "ignoring %zu bytes from stranger %s", len, who);
		return 0;
	}
	hl = len >= 1 ? (size_t)(in[0] & 0x0f) * 4 : 0;
	if (len > sizeof in || len < 20 || in[0] >> 4 != 4 || hl < 20 || hl > len ||
	    get16(in + 2) != len) {
		const char *what = len > sizeof in ? "oversized datagram"
		                 : len < 20 ? "truncated (too short for an IPv4 header)"
		                 : in[0] >> 4 != 4 ? "wrong IP version, IPv4 only"
		                 : hl < 20 || hl > len ? "bad IPv4 header length"
		                 : "IPv4 total length does not match the datagram";
		log_limited(&r->bad_dgram, "ignoring %zu bytes from %s: %s", len, who, what);
		return 0;
	}
	if (r->learn_peer && !same) {
		if (r->have_peer) {
			inet_ntop(AF_INET, &r->peer.sin_addr, h, sizeof h);
			snprintf(was, sizeof was, "%s:%u", h, ntohs(r->peer.sin_port));
			log_info("client moved from %s to %s", was, who);
		} else {
			log_info("client is %s", who);
		}
		r->peer = src;
		r->have_peer = true;
	}
	inet_ntop(AF_INET, in + 12, a, sizeof a);
	inet_ntop(AF_INET, in + 16, b, sizeof b);
	printf("From socket <==: %s --> %s  from %s\n", a, b, who);
	if (write(r->tun, in, len) < 0) {
		if (errno == EBADFD || errno == EIO) {
			log_warn("write %s: the interface is gone", r->ifname);
			return -1;
		}
		log_limited(&r->io_err, "%s: write of %zu bytes: %s", r->ifname, len,
		            strerror(errno));
	}
