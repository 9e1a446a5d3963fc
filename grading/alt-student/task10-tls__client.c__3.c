	{
		const char *name = c->opt->server;
		X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
		unsigned char bin[16];
		bool literal = inet_pton(AF_INET, name, bin) == 1 ||
		               inet_pton(AF_INET6, name, bin) == 1;
		int ok;

		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
		                                    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
		if (literal)
			ok = X509_VERIFY_PARAM_set1_ip_asc(vp, name);   /* no SNI for addresses */
		else
			ok = SSL_set_tlsext_host_name(c->ssl, name) == 1 &&
			     X509_VERIFY_PARAM_set1_host(vp, name, 0) == 1;
		if (ok == 1)
			ok = SSL_set_fd(c->ssl, c->fd);
		if (ok != 1) {
			log_openssl("TLS parameters for %s", name);
			out = CO_FATAL;
			goto done;
		}
	}
