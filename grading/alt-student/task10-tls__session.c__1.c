	if (ip.src.s_addr != s->addr.s_addr) {
		++s->drops;
		if (inet_ntop(AF_INET, &ip.src, src, sizeof src) == NULL ||
		    inet_ntop(AF_INET, &s->addr, own, sizeof own) == NULL)
			src[0] = own[0] = '\0';
		log_limited(&s->lim_spoof, "%s: spoofed source %s (the client was given %s): dropped",
		            s->name, src, own);
		return;
	}
