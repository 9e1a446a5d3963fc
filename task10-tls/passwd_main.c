/*
 * minivpn-passwd - users of a minivpn-server --shadow file.
 *
 *   minivpn-passwd FILE add USER      new user (asks for the password)
 *   minivpn-passwd FILE passwd USER   new password
 *   minivpn-passwd FILE lock USER     refuse the user's logins ('!' hash)
 *   minivpn-passwd FILE del USER      remove the user
 *
 * The password is asked twice on the terminal with echo off, or read as
 * one line from stdin when stdin is not a terminal (scripts: never argv,
 * which `ps` shows). Hashes are yescrypt with a fresh salt from
 * crypt_gensalt. The file is replaced atomically (shadowfile.c).
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "minivpn.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: minivpn-passwd FILE add|passwd|lock|del USER\n"
"       minivpn-passwd --version | --help\n"
"\n"
"Edits FILE, a shadow-format file for minivpn-server --shadow FILE.\n"
"add and passwd ask for the password twice on the terminal, or read one\n"
"line from stdin when it is not a terminal. Hashes are yescrypt. The file\n"
"is replaced atomically, keeping its mode and owner (0600 when new).\n");
}

/* The yescrypt hash of pw into out. 0, or -1. */
static int
hash_password(const char *pw, char *out, size_t len)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;
	int ret = -1;

	/* NULL random bytes: libxcrypt takes them from the kernel. */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting, sizeof(setting)) == NULL) {
		log_warn("crypt_gensalt($y$)");
		return -1;
	}
	memset(&cd, 0, sizeof(cd));
	h = crypt_r(pw, setting, &cd);
	if (h == NULL || h[0] == '*')
		log_warnx("crypt_r failed (yescrypt)");
	else if (snprintf(out, len, "%s", h) >= (int)len)
		log_warnx("the hash is longer than %zu bytes", len - 1);
	else
		ret = 0;
	OPENSSL_cleanse(&cd, sizeof(cd));
	return ret;
}

/* The new password: twice on a terminal, once from stdin otherwise. */
static int
new_password(const char *user, char *pw, char *again, size_t len)
{
	/* password_read() would take $MINIVPN_PASSWORD first: not here. */
	if (unsetenv("MINIVPN_PASSWORD") == -1)
		log_warn("unsetenv");
	if (!isatty(STDIN_FILENO))
		return password_read("/dev/stdin", user, pw, len);
	if (password_read(NULL, user, pw, len) == -1 ||
	    password_read(NULL, user, again, len) == -1)
		return -1;
	if (strcmp(pw, again) != 0) {
		log_warnx("the two passwords differ; nothing changed");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char pw[AUTH_PASS_MAX + 1], again[AUTH_PASS_MAX + 1];
	char hash[CRYPT_OUTPUT_SIZE];
	const char *file, *cmd, *user;
	enum shadow_op op;
	int ret = 1;

	log_init(argv[0], LL_INFO);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("minivpn-passwd %s\n", MINIVPN_VERSION);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 4) {
		usage(stderr);
		return 2;
	}
	file = argv[1], cmd = argv[2], user = argv[3];
	if (strcmp(cmd, "add") == 0)
		op = SHADOW_ADD;
	else if (strcmp(cmd, "passwd") == 0)
		op = SHADOW_SET;
	else if (strcmp(cmd, "lock") == 0)
		op = SHADOW_LOCK;
	else if (strcmp(cmd, "del") == 0)
		op = SHADOW_DEL;
	else {
		fprintf(stderr, "minivpn-passwd: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (no_core_dumps() == -1)
		return 1;
	if (mlock(pw, sizeof(pw)) == -1 || mlock(again, sizeof(again)) == -1)
		log_debug("mlock of the password buffers failed; going on");
	if (op == SHADOW_ADD || op == SHADOW_SET) {
		if (new_password(user, pw, again, sizeof(pw)) == -1)
			goto out;
		if (pw[0] == '\0') {
			log_warnx("an empty password; nothing changed");
			goto out;
		}
		if (hash_password(pw, hash, sizeof(hash)) == -1)
			goto out;
	}
	if (shadowfile_edit(file, op, user, op == SHADOW_ADD || op == SHADOW_SET
	                                    ? hash : NULL) == -1)
		goto out;
	log_info("%s: %s %s", file, user,
	         op == SHADOW_ADD ? "added" : op == SHADOW_SET ? "has a new password"
	         : op == SHADOW_LOCK ? "locked" : "deleted");
	ret = 0;
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(again, sizeof(again));
	return ret;
}
