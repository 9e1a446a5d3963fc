	int taken = 0;

	while (taken < BATCH_MAX) {
		uint8_t *slot = frame_reserve(&c->tx, c->mtu);
		ssize_t got;

		if (!slot)
			break;
		got = read(c->tunfd, slot, c->mtu);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_limited(&c->lim, "%s: read: %s", c->nc.ifname, strerror(errno));
			break;
		}
		taken++;
		if ((size_t)got >= DATA_LEN_MIN && (slot[0] & 0xf0) == 0x40) {
			frame_commit(&c->tx, FRAME_DATA, (size_t)got);
			c->pkts_out++;
		}
	}
