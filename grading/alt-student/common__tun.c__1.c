	{
		int oflags = O_RDWR | O_CLOEXEC;

		if (nonblock)
			oflags |= O_NONBLOCK;
		fd = open("/dev/net/tun", oflags);
		if (fd < 0) {
			log_warn("cannot open /dev/net/tun (root or CAP_NET_ADMIN needed)");
			return -1;
		}
		ifr.ifr_flags = IFF_NO_PI;
		if (mode == TUN_MODE_TAP)
			ifr.ifr_flags |= IFF_TAP;
		else
			ifr.ifr_flags |= IFF_TUN;
		if (ioctl(fd, TUNSETIFF, (void *)&ifr) < 0) {
			int saved = errno;

			close(fd);
			errno = saved;
			log_warn("TUNSETIFF for %s", ifr.ifr_name);
			return -1;
		}
	}
