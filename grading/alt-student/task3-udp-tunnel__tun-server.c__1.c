	uint8_t buf[VL_IP_MAX + 1];
	struct sockaddr_in src;
	socklen_t slen = sizeof src;
	char who[INET_ADDRSTRLEN], me[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const char *bad = NULL;
	char reason[96];
	ssize_t got;
	size_t len;

	got = recvfrom(s->sock, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *)&src, &slen);
	if (got < 0) {
		if (errno != EINTR && errno != EAGAIN)
			log_limited(&s->io_err, "recvfrom: %s", strerror(errno));
		return 0;
	}
	len = (size_t)got;
	inet_ntop(AF_INET, &src.sin_addr, who, sizeof who);
	/* Exactly one IPv4 packet: version 4, whole header, total length = datagram. */
	if (len > sizeof buf) {
		snprintf(reason, sizeof reason, "%zu bytes, too long for one IPv4 packet", len);
		bad = reason;
	} else if (len < 20) {
		snprintf(reason, sizeof reason, "truncated: only %zu bytes", len);
		bad = reason;
	} else if (buf[0] >> 4 != 4) {
		snprintf(reason, sizeof reason, "IP version %u, not IPv4", buf[0] >> 4);
		bad = reason;
	} else if ((size_t)(buf[0] & 0x0f) * 4 < 20 || (size_t)(buf[0] & 0x0f) * 4 > len) {
		snprintf(reason, sizeof reason, "bad header length %u in %zu bytes",
		         (buf[0] & 0x0f) * 4u, len);
		bad = reason;
	} else if (get16(buf + 2) != len) {
		snprintf(reason, sizeof reason, "IPv4 total length %u but %zu bytes received",
		         get16(buf + 2), len);
		bad = reason;
	}
	if (bad) {
		log_limited(&s->bad_dgram, "rejected datagram from %s:%u (%s)", who,
		            ntohs(src.sin_port), bad);
		return 0;
	}
	inet_ntop(AF_INET, &s->local.sin_addr, me, sizeof me);
	inet_ntop(AF_INET, buf + 12, a, sizeof a);
	inet_ntop(AF_INET, buf + 16, b, sizeof b);
	printf("%s:%u --> %s:%u  Inside: %s --> %s\n", who, ntohs(src.sin_port),
	       me, ntohs(s->local.sin_port), a, b);
	for (;;) {
		if (write(s->tun, buf, len) >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EBADFD || errno == EIO) {
			log_warn("write %s: the interface is gone", s->ifname);
			return -1;
		}
		log_limited(&s->io_err, "%s: write: %s", s->ifname, strerror(errno));
		break;
	}
