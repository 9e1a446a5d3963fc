	{
		const char *step = NULL;

		if (SSL_CTX_use_certificate_chain_file(ctx, cert) <= 0)
			step = "reading the certificate chain";
		else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) <= 0)
			step = "reading the private key";
		else if (!SSL_CTX_check_private_key(ctx))
			step = "matching key and certificate";
		else if (!SSL_CTX_set_num_tickets(ctx, 0))
			step = "turning session tickets off";
		if (step != NULL) {
			log_openssl("server TLS setup (%s, %s): %s failed", cert, key, step);
			goto bad;
		}
	}
