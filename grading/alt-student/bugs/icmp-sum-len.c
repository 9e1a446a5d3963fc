	/* Byte by byte: the copy, the swapped addresses, type 0. */
	for (size_t i = 0; i < ip.total_len; i++)
		out[i] = req[i];
	for (size_t i = 0; i < 4; i++) {
		out[12 + i] = req[16 + i];
		out[16 + i] = req[12 + i];
	}
	out[ip.ihl] = 0;
	/* Pass 0: the IPv4 header; pass 1: the whole ICMP message. */
	for (int pass = 0; pass < 2; pass++) {
		size_t from = pass == 0 ? 0 : ip.ihl;
		size_t span = pass == 0 ? ip.ihl : 8;
		size_t at = pass == 0 ? 10 : (size_t)ip.ihl + 2;
		uint32_t acc = 0;

		out[at] = 0;
		out[at + 1] = 0;
		for (size_t i = 0; i + 1 < span; i += 2)
			acc += (uint32_t)out[from + i] << 8 | out[from + i + 1];
		if (span % 2 == 1)
			acc += (uint32_t)out[from + span - 1] << 8;
		while (acc > 0xffff)
			acc = (acc & 0xffff) + (acc >> 16);
		sum = (uint16_t)~acc;
		out[at] = (uint8_t)(sum >> 8);
		out[at + 1] = (uint8_t)(sum & 0xff);
	}
