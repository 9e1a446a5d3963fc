	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *res;
	bool same = false;

	if (cd == NULL)
		return false;
	res = crypt_r(password, hash, cd);
	if (res != NULL && *res != '*') {
		size_t hl = strlen(hash);

		if (strlen(res) == hl)
			same = CRYPTO_memcmp(res, hash, hl) == 0;
	}
	OPENSSL_cleanse(cd, sizeof *cd);
	free(cd);
	return same;
