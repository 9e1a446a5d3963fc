	switch (t->mode) {
	case REPLY_ECHO:
		n = echo_reply_build(t->pkt, len, t->reply, sizeof t->reply, &why);
		if (n == -1) {
			log_debug("ignored (%s)", why);
			return;
		}
		out = t->reply;
		outlen = (size_t)n;
		printf("  reply: %s\n", ipv4_summary(t->reply, outlen, line, sizeof line));
		break;
	case REPLY_GARBAGE:
		out = garbage;
		outlen = strlen(garbage);
		printf("  reply: %zu bytes that are not an IP packet\n", outlen);
		break;
	default:
		return;
	}
	fflush(stdout);
	{
		ssize_t put = write(t->fd, out, outlen);

		if (put < 0)
			log_limited(&t->bad_write, "%s rejected our %zu bytes: %s",
			            t->ifname, outlen, strerror(errno));
		else if ((size_t)put < outlen)
			log_limited(&t->bad_write, "%s: short write (%zd/%zu)",
			            t->ifname, put, outlen);
	}
