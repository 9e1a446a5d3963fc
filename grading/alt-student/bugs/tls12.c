	/* The floor is 1.3; the ceiling stays "the newest OpenSSL knows" (0),
	 * which today is 1.3 as well. */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 0 ||
	    SSL_CTX_set_max_proto_version(ctx, 0) == 0) {
		log_openssl("TLS version limits");
		SSL_CTX_free(ctx);
		return NULL;
	}
