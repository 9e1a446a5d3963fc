/*
 * authpam.c - the PAM backend of the password helper (--auth pam[:SERVICE]),
 * so that users can live in one directory (pam_unix, pam_ldap, pam_sss,
 * pam_pwdfile, ...) instead of a shadow file per server.
 *
 * It runs where the shadow backends run: in the privileged helper
 * (authproc.c), never in the process that talks TLS. The service's file,
 * /etc/pam.d/SERVICE (default "minivpn"), says what is asked; we run its
 * auth stack, then its account stack (expired or locked accounts are
 * refused like a wrong password, as the shadow backend does).
 *
 * The conversation answers exactly one kind of question, a prompt with
 * echo off (the password), with the password the client sent; any other
 * prompt (a second factor, a user name with echo on) fails the login,
 * since the client has nothing else to give. Messages PAM shows the user
 * are dropped, and the password is never logged, copied only into the
 * response PAM frees (after wiping it: PAM does that itself, and so do we
 * on error paths).
 *
 * The rules of the other backends hold: root never logs in (by name and by
 * uid 0), the server holds every verdict back to LOGIN_FLOOR_MS and adds
 * its own per-address delays and bans (throttle.c), so PAM's own failure
 * delay (pam_faildelay, pam_unix's 2 s) is switched off here: it would
 * stall a helper worker for every guess instead of the guesser.
 */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include <openssl/crypto.h>

#include "minivpn.h"

static const char *pam_service;   /* NULL: the shadow backends */

void
authpam_use(const char *service)
{
	pam_service = service;
}

/* --check-config: the service has a file where Linux-PAM looks (without
 * one PAM falls back to "other", which on Debian denies everything). */
int
authpam_check_service(const char *service)
{
	static const char *const dirs[] = { "/etc/pam.d", "/usr/lib/pam.d" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], service);
		if (access(path, R_OK) == 0)
			return 0;
	}
	log_warnx("--auth pam:%s: no /etc/pam.d/%s (PAM would use \"other\")",
	          service, service);
	return -1;
}

struct conv_data {
	const char *password;
	bool        asked;         /* the password prompt came */
};

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *appdata)
{
	struct conv_data *cd = appdata;
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	if ((r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			/* One password per login: a second prompt is a
			 * second factor we cannot answer. */
			if (cd->asked || (r[i].resp = strdup(cd->password)) == NULL)
				goto bad;
			cd->asked = true;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;          /* for a user at a terminal: none here */
		default:
			goto bad;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
bad:
	for (int i = 0; i < n; i++)
		if (r[i].resp != NULL) {
			OPENSSL_cleanse(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
	return PAM_CONV_ERR;
}

/* PAM's failure delay: ours is the throttle's (see the top). */
static void
no_delay(int status, unsigned delay, void *appdata)
{
	(void)status;
	(void)delay;
	(void)appdata;
}

static bool
is_root(const char *user)
{
	char buf[4096];
	struct passwd pw, *res = NULL;

	if (strcmp(user, "root") == 0)
		return true;
	/* A directory user unknown to NSS has no uid to check: fine. */
	return getpwnam_r(user, &pw, buf, sizeof(buf), &res) == 0 &&
	       res != NULL && pw.pw_uid == 0;
}

static enum auth_result
authpam_check(const char *user, const char *password)
{
	struct conv_data cd = { .password = password };
	struct pam_conv pc = { .conv = conv, .appdata_ptr = &cd };
	pam_handle_t *pamh = NULL;
	enum auth_result res;
	int r;

	r = pam_start(pam_service, user, &pc, &pamh);
	if (r != PAM_SUCCESS) {
		log_warnx("PAM service %s: pam_start: %s", pam_service,
		          pam_strerror(pamh, r));
		return AUTH_ERROR;
	}
	if (pam_set_item(pamh, PAM_FAIL_DELAY, (const void *)no_delay) !=
	    PAM_SUCCESS)
		log_warnx("PAM service %s: cannot switch off its failure delay",
		          pam_service);
	r = pam_authenticate(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	if (r == PAM_SUCCESS)
		r = pam_acct_mgmt(pamh, PAM_SILENT | PAM_DISALLOW_NULL_AUTHTOK);
	switch (r) {
	case PAM_SUCCESS:
		res = AUTH_OK;
		break;
	case PAM_AUTH_ERR: case PAM_USER_UNKNOWN: case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT: case PAM_ACCT_EXPIRED: case PAM_PERM_DENIED:
	case PAM_NEW_AUTHTOK_REQD: case PAM_AUTHTOK_EXPIRED:
		res = AUTH_BAD;
		break;
	default:
		/* The directory is down, the service file is broken: not the
		 * client's fault, it may retry (INTERNAL). */
		log_warnx("PAM service %s: %s", pam_service, pam_strerror(pamh, r));
		res = AUTH_ERROR;
		break;
	}
	if (res == AUTH_OK && is_root(user)) {
		log_info("login of %s refused: root may not log in", user);
		res = AUTH_BAD;
	}
	(void)pam_end(pamh, r);
	return res;
}

enum auth_result
auth_backend_check(const char *shadow_path, const char *user,
                   const char *password)
{
	if (pam_service != NULL)
		return authpam_check(user, password);
	return auth_check(shadow_path, user, password);
}
