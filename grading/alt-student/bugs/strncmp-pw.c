	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *res;
	bool same = false;

	if (cd == NULL)
		return false;
	res = crypt_r(password, hash, cd);
	if (res != NULL && *res != '*') {
		same = strncmp(res, hash, strlen(password)) == 0;
	}
	OPENSSL_cleanse(cd, sizeof *cd);
	free(cd);
	return same;
