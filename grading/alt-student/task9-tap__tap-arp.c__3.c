	/* The TAP device from task 2's tun_open(); address, mask and up with
	 * the SIOCSIF* ioctls on an ordinary socket. */
	t.fd = tun_open(name, TUN_MODE_TAP, false, t.ifname);
	if (t.fd >= 0) {
		struct in_addr ta;
		int tplen, ctl;
		struct ifreq ifr;

		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (ctl < 0) {
			log_warn("socket");
		} else if (addr_parse_prefix(addr, &ta, &tplen) == 0) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
			const char *step = NULL;

			memset(&ifr, 0, sizeof ifr);
			snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", t.ifname);
			sin->sin_family = AF_INET;
			sin->sin_addr = ta;
			if (ioctl(ctl, SIOCSIFADDR, &ifr) < 0)
				step = "SIOCSIFADDR";
			if (!step) {
				sin = (struct sockaddr_in *)&ifr.ifr_netmask;
				sin->sin_family = AF_INET;
				sin->sin_addr.s_addr = tplen == 0 ? 0 : htonl(0xffffffffu << (32 - tplen));
				if (ioctl(ctl, SIOCSIFNETMASK, &ifr) < 0)
					step = "SIOCSIFNETMASK";
			}
			if (!step && ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0)
				step = "SIOCGIFFLAGS";
			if (!step) {
				ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
				if (ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)
					step = "SIOCSIFFLAGS";
			}
			if (step) {
				log_warn("%s on %s", step, t.ifname);
			} else {
				close(ctl);
				ctl = -2;      /* done */
			}
		}
		if (ctl != -2) {
			if (ctl >= 0)
				close(ctl);
			close(t.fd);
			t.fd = -1;
		}
	}
