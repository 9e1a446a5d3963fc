	long res = SSL_get_verify_result(c->ssl);

	switch (res) {
	case X509_V_OK:
		log_openssl("TLS handshake with %s failed", c->opt->server);
		return CO_RETRY;
	default:
		ERR_clear_error();
		log_warnx("server certificate rejected: %s (%s) for %s",
		          tls_verify_category(res), X509_verify_cert_error_string(res),
		          c->opt->server);
		c->exit_status = EXIT_CERT;
		return CO_FATAL;
	}
