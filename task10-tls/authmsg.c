/*
 * authmsg.c - the AUTH message a client sends right after the handshake.
 *
 *  0               1               2               3
 * +---------------+---------------+---------------+---------------+
 * |   Version     |   User length | Pass length   | Reserved (0)  |
 * +---------------+---------------+---------------+---------------+
 * |     Requested tunnel address (0.0.0.0: any), e.g. the last one |
 * +---------------------------------------------------------------+
 * |  User name (User length bytes) | Password (Pass length bytes)  |
 * +---------------------------------------------------------------+
 *
 * The password travels only inside TLS. Every buffer that held it is
 * wiped with OPENSSL_cleanse() as soon as it is no longer needed.
 */
#include <string.h>

#include "minivpn.h"

/* Returns the payload length written to out (AUTH_LEN_MAX bytes), or 0. */
size_t
login_encode(const char *user, const char *password, struct in_addr want,
             uint8_t *out)
{
	size_t ul = strlen(user), pl = strlen(password);

	if (ul == 0 || ul > AUTH_USER_MAX || pl > AUTH_PASS_MAX)
		return 0;
	out[0] = VPN_PROTO_VERSION;
	out[1] = (uint8_t)ul;
	out[2] = (uint8_t)pl;
	out[3] = 0;
	memcpy(out + 4, &want, 4);
	memcpy(out + AUTH_FIXED_LEN, user, ul);
	memcpy(out + AUTH_FIXED_LEN + ul, password, pl);
	return AUTH_FIXED_LEN + ul + pl;
}

/*
 * True when the len bytes at user are a portable user name: 1 to
 * AUTH_USER_MAX of A-Za-z0-9._- and a final $ (so it is safe to log).
 */
bool
login_user_valid(const uint8_t *user, size_t len)
{
	if (len == 0 || len > AUTH_USER_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = user[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
		      (c == '$' && i == len - 1)))
			return false;
	}
	return true;
}

/*
 * Checks an AUTH payload and copies its fields out as C strings. A user
 * name may only hold the characters of portable user names, so it is safe
 * to log. Returns 0, or -1 with *why set; -2 (also with *why) when no
 * retry can succeed: a protocol version or a user name we never accept.
 */
int
login_parse(const uint8_t *p, size_t len, struct login *lg, const char **why)
{
	size_t ul, pl;

	memset(lg, 0, sizeof(*lg));
	if (len < AUTH_FIXED_LEN) {
		*why = "AUTH shorter than its fixed header";
		return -1;
	}
	if (p[0] != VPN_PROTO_VERSION) {
		*why = "AUTH protocol version not supported";
		return -2;
	}
	if (p[3] != 0) {
		*why = "AUTH reserved byte not 0";
		return -1;
	}
	ul = p[1];
	pl = p[2];
	if (ul == 0 || ul > AUTH_USER_MAX || pl > AUTH_PASS_MAX ||
	    len != AUTH_FIXED_LEN + ul + pl) {
		*why = "AUTH lengths do not add up";
		return -1;
	}
	if (!login_user_valid(p + AUTH_FIXED_LEN, ul)) {
		*why = "AUTH user name with a character not allowed";
		return -2;
	}
	if (memchr(p + AUTH_FIXED_LEN + ul, '\0', pl) != NULL) {
		*why = "AUTH password with a NUL byte";
		return -1;
	}
	memcpy(&lg->want, p + 4, 4);
	memcpy(lg->user, p + AUTH_FIXED_LEN, ul);
	memcpy(lg->password, p + AUTH_FIXED_LEN + ul, pl);
	return 0;
}

void
login_wipe(struct login *lg)
{
	OPENSSL_cleanse(lg, sizeof(*lg));
}
