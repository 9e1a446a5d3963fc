	/* The address over netlink (the contract), the link and the routes
	 * with the classic ioctls. */
	c.tun = tun_open(name, TUN_MODE_TUN, false, c.ifname);
	if (c.tun != -1) {
		struct in_addr ta;
		int tplen, ctl = -1;
		bool ok = addr_parse_prefix(addr, &ta, &tplen) == 0 &&
		          nl_addr_add(c.ifname, ta, tplen) == 0;

		if (ok && (ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
			log_warn("socket for interface ioctls");
			ok = false;
		}
		if (ok) {
			struct ifreq ifr;

			memset(&ifr, 0, sizeof ifr);
			snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", c.ifname);
			if (ioctl(ctl, SIOCGIFFLAGS, &ifr) < 0 ||
			    (ifr.ifr_flags |= IFF_UP, ioctl(ctl, SIOCSIFFLAGS, &ifr) < 0)) {
				log_warn("bringing %s up", c.ifname);
				ok = false;
			}
		}
		for (size_t i = 0; ok && i < nroutes; i++) {
			struct rtentry rt;
			struct in_addr net;
			int rplen;

			if (addr_parse_prefix(routes[i], &net, &rplen) == -1) {
				ok = false;
				break;
			}
			memset(&rt, 0, sizeof rt);
			((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
			((struct sockaddr_in *)&rt.rt_dst)->sin_addr = net;
			((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
			((struct sockaddr_in *)&rt.rt_genmask)->sin_addr.s_addr =
			    rplen == 0 ? 0 : htonl(0xffffffffu << (32 - rplen));
			rt.rt_flags = RTF_UP;
			rt.rt_dev = c.ifname;
			if (ioctl(ctl, SIOCADDRT, &rt) < 0) {
				log_warn("route %s into %s", routes[i], c.ifname);
				ok = false;
			}
		}
		if (ctl >= 0)
			close(ctl);
		if (!ok) {
			close(c.tun);
			c.tun = -1;
		}
	}
