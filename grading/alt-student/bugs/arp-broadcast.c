	static const uint8_t fixed[8] = {
		0x00, 0x01,    /* hardware type: Ethernet */
		0x08, 0x00,    /* protocol type: IPv4 */
		6, 4,          /* address lengths */
		0x00, 0x02,    /* op: reply */
	};
	uint32_t asked = ntohl(req->tpa.s_addr), asker = ntohl(req->spa.s_addr);

	for (int i = 0; i < 6; i++) {
		out[i] = 0xff;                   /* Ethernet destination: everyone hears it */
		out[6 + i] = mac[i];             /* Ethernet source: the fake MAC */
		out[22 + i] = mac[i];            /* ARP sender hardware address */
		out[32 + i] = req->sha[i];       /* ARP target hardware address */
	}
	out[12] = 0x08;
	out[13] = 0x06;
	for (int i = 0; i < 8; i++)
		out[14 + i] = fixed[i];
	for (int i = 0; i < 4; i++) {
		out[28 + i] = (uint8_t)(asked >> (24 - 8 * i));   /* sender IP */
		out[38 + i] = (uint8_t)(asker >> (24 - 8 * i));   /* target IP */
	}
