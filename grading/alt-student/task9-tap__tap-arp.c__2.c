	if (eth_parse(frame, (size_t)n, &eth, &why) < 0) {
		log_limited(&t->bad_frame, "%s: unreadable Ethernet frame (%s)", t->ifname, why);
		return 0;
	}
	if (eth.type == ETH_P_ARP_) {
		if (arp_parse(eth.payload, eth.payload_len, &arp, &why) < 0) {
			log_limited(&t->bad_frame, "%s: ignoring ARP from %s (%s)", t->ifname,
			            mac_str(eth.src, m1), why);
			return 0;
		}
		/* Only real questions: op 1, and not a gratuitous announcement. */
		if (arp.op == 1 && arp.spa.s_addr != arp.tpa.s_addr) {
			ssize_t w;

			arp_reply_build(&arp, t->fake_mac, reply);
			do
				w = write(t->fd, reply, sizeof reply);
			while (w < 0 && errno == EINTR);
			if (w < 0) {
				log_limited(&t->io_err, "%s: ARP reply not sent: %s", t->ifname,
				            strerror(errno));
				return 0;
			}
			if (inet_ntop(AF_INET, &arp.tpa, tpa, sizeof tpa) == NULL)
				snprintf(tpa, sizeof tpa, "?");
			printf("Spoofed ARP reply: %s is-at %s to %s\n", tpa,
			       mac_str(t->fake_mac, m1), mac_str(arp.sha, m2));
		}
	}
