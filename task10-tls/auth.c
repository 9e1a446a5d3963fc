/*
 * auth.c - checking a user name and password against shadow hashes.
 *
 * The hash comes from the system (getspnam_r, which reads /etc/shadow and
 * needs root) or from a shadow-format file given with --shadow. libcrypt
 * computes the hash of the offered password with the stored setting
 * (yescrypt "$y$", sha512crypt "$6$", bcrypt "$2b$", ...) and the two
 * strings are compared in constant time.
 *
 * An unknown user costs the same as a known one: the password is hashed
 * against a dummy yescrypt setting, so timing does not tell which user
 * names exist. Locked accounts ("!...", "*") can never match, because
 * crypt_r() never produces a string starting with those characters.
 *
 * An account that may not log in is refused like a wrong password, after
 * the same hashing work: expired (sp_expire), a password that must be
 * changed first (sp_lstchg 0) or is past its maximum age (sp_lstchg +
 * sp_max, which covers the inactivity period sp_inact: we cannot offer a
 * password change over the VPN), and root (uid 0 in the system's passwd
 * database; the user name "root" in a --shadow file).
 *
 * This runs in the privileged helper (authproc.c), never in the process
 * that talks TLS.
 */
#include <crypt.h>
#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "minivpn.h"

/* A valid yescrypt setting with a fixed salt: work for unknown users. */
static const char dummy_setting[] = "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$";

/*
 * Why the account of sp may not log in today (days since 1970), or NULL.
 * Fields libc could not parse or left empty are -1.
 */
const char *
auth_account_refused(const struct spwd *sp, long today)
{
	if (sp->sp_expire >= 0 && today >= sp->sp_expire)
		return "account expired";
	if (sp->sp_lstchg == 0)
		return "password must be changed first";
	if (sp->sp_lstchg > 0 && sp->sp_max >= 0 &&
	    today >= sp->sp_lstchg + sp->sp_max)
		return sp->sp_inact >= 0 &&
		       today >= sp->sp_lstchg + sp->sp_max + sp->sp_inact
		       ? "account inactive (password expired long ago)"
		       : "password expired";
	return NULL;
}

/* True when user is root: uid 0 in passwd (system shadow) or named so. */
static bool
is_root(const char *shadow_path, const char *user)
{
	char buf[4096];
	struct passwd pw, *res = NULL;

	if (strcmp(user, "root") == 0)
		return true;
	if (shadow_path != NULL)
		return false;
	/* No passwd entry or an error: refuse too (treat as root). */
	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return true;
	return pw.pw_uid == 0;
}

/*
 * Looks `user` up. Copies its hash into hash (hashlen bytes) and, when the
 * account may not log in, the reason into *refused. Returns 1 when found,
 * 0 when the user does not exist, -1 on a read error.
 */
static int
auth_lookup(const char *shadow_path, const char *user, char *hash,
            size_t hashlen, const char **refused)
{
	char buf[4096];
	struct spwd sp, *res = NULL;
	int found = 0, err;

	if (shadow_path == NULL) {
		err = getspnam_r(user, &sp, buf, sizeof(buf), &res);
		if (err != 0 && err != ENOENT) {
			errno = err;
			log_warn("getspnam_r(%s)", user);
			return -1;
		}
		found = res != NULL;
	} else {
		FILE *f = fopen(shadow_path, "re");

		if (f == NULL) {
			log_warn("opening shadow file %s", shadow_path);
			return -1;
		}
		/* fgetspent_r skips malformed lines and returns ENOENT at the end. */
		while (fgetspent_r(f, &sp, buf, sizeof(buf), &res) == 0) {
			if (strcmp(sp.sp_namp, user) == 0) {
				found = 1;
				break;
			}
		}
		if (!found && ferror(f)) {
			log_warn("reading shadow file %s", shadow_path);
			fclose(f);
			return -1;
		}
		fclose(f);
	}
	if (found) {
		if (snprintf(hash, hashlen, "%s", sp.sp_pwdp) >= (int)hashlen)
			found = 0;   /* no hash is this long: treat as locked */
		*refused = auth_account_refused(&sp, (long)(time(NULL) / 86400));
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return found;
}

/* True when crypt(password, hash) == hash, compared in constant time. */
bool
auth_hash_matches(const char *password, const char *hash)
{
	/* SOLUTION BEGIN: hash the offered password with the stored hash as
	 * setting (crypt_r, a zeroed struct crypt_data); a NULL result or one
	 * starting with '*' is a failure; compare the result with the stored
	 * hash in constant time (same length, CRYPTO_memcmp); wipe cd
	 * (OPENSSL_cleanse) before returning */
	struct crypt_data cd;
	const char *out;
	size_t n;
	bool ok;

	memset(&cd, 0, sizeof(cd));
	out = crypt_r(password, hash, &cd);
	/* Failure: NULL or a string starting with '*' (libxcrypt). */
	if (out == NULL || out[0] == '*') {
		OPENSSL_cleanse(&cd, sizeof(cd));
		return false;
	}
	n = strlen(hash);
	/* The length of the stored hash is no secret: it is in the setting. */
	ok = strlen(out) == n && CRYPTO_memcmp(out, hash, n) == 0;
	OPENSSL_cleanse(&cd, sizeof(cd));
	return ok;
	/* SOLUTION STUB: log_warnx("task 10: the password check is not written yet (task10-tls/auth.c): every login is refused"); */
	/* SOLUTION STUB: (void)password; (void)hash; */
	/* SOLUTION STUB: return false; */
	/* SOLUTION END */
}

enum auth_result
auth_check(const char *shadow_path, const char *user, const char *password)
{
	char hash[512];
	const char *refused = NULL;
	int found;
	bool ok;

	found = auth_lookup(shadow_path, user, hash, sizeof(hash), &refused);
	if (found < 0)
		return AUTH_ERROR;
	if (found == 0) {
		(void)auth_hash_matches(password, dummy_setting);
		return AUTH_BAD;
	}
	if (refused == NULL && is_root(shadow_path, user))
		refused = "root may not log in";
	/* The same work either way: refusals must not be faster. */
	ok = auth_hash_matches(password, hash);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (ok && refused != NULL) {
		log_info("login of %s refused: %s", user, refused);
		return AUTH_BAD;
	}
	return ok ? AUTH_OK : AUTH_BAD;
}
