		n = read(t->fd, t->pkt, sizeof t->pkt);
		if (n < 0 && errno == EINTR)
			continue;       /* a signal: the loop condition decides */
		if (n < 0) {
			log_warn("reading %s", t->ifname);
			return -1;
		}
		fputs(ipv4_summary(t->pkt, (size_t)n, line, sizeof line), stdout);
		fputc('\n', stdout);
		fflush(stdout);
