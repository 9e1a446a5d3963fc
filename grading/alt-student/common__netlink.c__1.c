	{
		/* Two attributes with the same 4-byte payload, written by hand. */
		static const unsigned short kinds[2] = { IFA_LOCAL, IFA_ADDRESS };
		size_t used;

		memset(&req, 0, sizeof req);
		req.nh.nlmsg_type = (unsigned short)type;
		req.nh.nlmsg_flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_REPLACE : 0;
		req.u.ifa = (struct ifaddrmsg){
			.ifa_family = AF_INET,
			.ifa_prefixlen = (unsigned char)prefixlen,
			.ifa_index = (unsigned)idx,
		};
		used = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
		for (int k = 0; k < 2; k++) {
			struct rtattr *at = (struct rtattr *)((char *)&req + NLMSG_ALIGN(used));

			if (NLMSG_ALIGN(used) + RTA_SPACE(sizeof addr) > sizeof req) {
				log_warnx("%s: request buffer too small", what);
				return -1;
			}
			at->rta_type = kinds[k];
			at->rta_len = (unsigned short)RTA_LENGTH(sizeof addr);
			*(struct in_addr *)RTA_DATA(at) = addr;
			used = NLMSG_ALIGN(used) + RTA_SPACE(sizeof addr);
		}
		req.nh.nlmsg_len = (uint32_t)used;
	}
