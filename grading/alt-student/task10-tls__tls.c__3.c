	if ((ca_file != NULL || ca_dir != NULL) &&
	    SSL_CTX_load_verify_locations(ctx, ca_file, ca_dir) != 1) {
		log_openssl("trusted CAs (file %s, directory %s)",
		            ca_file ? ca_file : "-", ca_dir ? ca_dir : "-");
		goto bad;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
