/*
 * shadowfile.c - a shadow-format password file (minivpn-server --shadow):
 * checking its lines at start-up, and rewriting it for minivpn-passwd.
 *
 * A line is the nine fields of shadow(5), user:hash:lastchg:min:max:warn:
 * inactive:expire:reserved, the numbers decimal or empty. libc's
 * fgetspent_r skips a line it cannot parse without a word, so a line
 * `alice:$y$...` (the other fields forgotten) would make alice's right
 * password look wrong; shadowfile_check() names such lines once, at
 * start-up, by number - never with their hash.
 *
 * Rewriting replaces the file as a whole: a temporary file in the same
 * directory, written, fsync'ed, given the old file's mode and owner (0600
 * and ours for a new one), then renamed over the old one, and the
 * directory fsync'ed, so that a crash leaves the old file or the new one,
 * never half of one. Edits are serialised by a lock on the directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "minivpn.h"

#define SHADOW_FIELDS   9
#define SHADOW_FILE_MAX (16 * 1024 * 1024)

/* Why line (len bytes, no newline) is not a shadow line, or NULL. Blank
 * lines and '#' comments are not lines at all (the caller skips them). */
static const char *
line_problem(const char *line, size_t len, unsigned *fields)
{
	size_t i, start = 0;
	unsigned f = 0;

	*fields = 1;
	for (i = 0; i < len; i++)
		if (line[i] == ':')
			(*fields)++;
	if (*fields != SHADOW_FIELDS)
		return "expected 9 fields user:hash:lastchg:min:max:warn:inactive:expire:";
	if (len == 0 || line[0] == ':')
		return "no user name";
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ':')
			continue;
		/* fields 3 to 8 are numbers or empty; 9 is reserved */
		if (f >= 2 && f <= 7)
			for (size_t j = start; j < i; j++)
				if (line[j] < '0' || line[j] > '9')
					return "a date or age field that is not a number";
		f++;
		start = i + 1;
	}
	return NULL;
}

static bool
skipped_line(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i == len || line[i] == '#';
}

/* Reads the whole file into *text (NUL-terminated). 0, or -1 (errno). */
static int
slurp(const char *path, char **text, size_t *len, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	*text = NULL;
	if (fd == -1)
		return -1;
	if (fstat(fd, st) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	if (st->st_size > SHADOW_FILE_MAX) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	*text = malloc((size_t)st->st_size + 1);
	if (*text == NULL) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, *text + n, (size_t)st->st_size - n)) > 0)
		n += (size_t)r;
	if (r == -1) {
		int saved = errno;

		free(*text);
		*text = NULL;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	(*text)[n] = '\0';
	*len = n;
	return 0;
}

int
shadowfile_check(const char *path)
{
	char *text, user[AUTH_USER_MAX + 1];
	size_t len, pos = 0, n, ul;
	struct stat st;
	unsigned lineno = 0, fields, bad = 0;
	const char *nl, *why, *colon;

	if (slurp(path, &text, &len, &st) == -1) {
		log_warn("reading shadow file %s", path);
		return -1;
	}
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (!skipped_line(text + pos, n) &&
		    (why = line_problem(text + pos, n, &fields)) != NULL) {
			/* The user name only if it is one: never the hash. */
			colon = memchr(text + pos, ':', n);
			ul = colon ? (size_t)(colon - (text + pos)) : 0;
			if (ul > 0 && login_user_valid((const uint8_t *)text + pos, ul)) {
				memcpy(user, text + pos, ul);
				user[ul] = '\0';
			} else {
				snprintf(user, sizeof(user), "?");
			}
			log_warnx("%s:%u: malformed line ignored (%s; %u found): "
			          "user '%s' cannot log in", path, lineno, why,
			          fields, user);
			bad++;
		}
		pos += n + (nl != NULL);
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return (int)bad;
}

/* Writes text to a new file beside path and renames it over path. */
static int
replace_file(const char *path, const char *text, size_t len,
             const struct stat *old)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	size_t off = 0;
	ssize_t w;
	int fd, dfd;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		log_warnx("%s: path too long", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		log_warn("creating a temporary file beside %s", path);
		return -1;
	}
	if (old != NULL && fchown(fd, old->st_uid, old->st_gid) == -1) {
		log_warn("%s: giving it the owner of %s", tmp, path);
		goto bad;
	}
	if (fchmod(fd, old != NULL ? old->st_mode & 07777 : 0600) == -1) {
		log_warn("%s: chmod", tmp);
		goto bad;
	}
	while (off < len) {
		w = write(fd, text + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			log_warn("writing %s", tmp);
			goto bad;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1) {
		log_warn("fsync(%s)", tmp);
		goto bad;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("closing %s", tmp);
		goto bad;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("renaming %s to %s", tmp, path);
		goto bad;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1 || fsync(dfd) == -1)
		log_warn("fsync of the directory of %s", path);
	if (dfd != -1)
		close(dfd);
	return 0;
bad:
	if (fd != -1)
		close(fd);
	if (unlink(tmp) == -1)
		log_warn("removing %s", tmp);
	return -1;
}

/* An exclusive lock on path's directory, held until the fd is closed. */
static int
lock_dir(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("opening the directory of %s", path);
		return -1;
	}
	if (flock(fd, LOCK_EX) == -1) {
		log_warn("locking the directory of %s", path);
		close(fd);
		return -1;
	}
	return fd;
}

int
shadowfile_edit(const char *path, enum shadow_op op, const char *user,
                const char *hash)
{
	char *text = NULL, *out = NULL, *p;
	size_t len = 0, pos = 0, n, ul = strlen(user), olen = 0;
	struct stat st;
	bool exists = true, found = false;
	const char *nl, *line;
	long today = (long)(time(NULL) / 86400);
	int lockfd, ret = -1;

	if (!login_user_valid((const uint8_t *)user, ul)) {
		log_warnx("'%s' is not a user name the VPN accepts (letters, "
		          "digits, '_', '-', '.'; at most %d)", user, AUTH_USER_MAX);
		return -1;
	}
	lockfd = lock_dir(path);
	if (lockfd == -1)
		return -1;
	if (slurp(path, &text, &len, &st) == -1) {
		if (errno != ENOENT || op != SHADOW_ADD) {
			log_warn("reading %s", path);
			goto out;
		}
		exists = false;
	}
	/* room for every old line and one new */
	out = malloc(len + ul + (hash ? strlen(hash) : 0) + 64);
	if (out == NULL) {
		log_warn("allocating");
		goto out;
	}
	while (pos < len) {
		line = text + pos;
		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		if (n > ul && line[ul] == ':' && memcmp(line, user, ul) == 0) {
			if (op == SHADOW_ADD) {
				found = true;
				break;
			}
			if (op == SHADOW_DEL) {
				found = true;
				continue;
			}
			/* out has room for one changed line only; and changing one
			 * of two would leave the other in force */
			if (found) {
				log_warnx("%s: user %s is on more than one line; delete "
				          "the user and add it again", path, user);
				goto out;
			}
			found = true;
			p = memchr(line + ul + 1, ':', n - ul - 1);
			if (p == NULL) {
				log_warnx("%s: the line of %s is malformed; delete it "
				          "and add the user again", path, user);
				goto out;
			}
			if (op == SHADOW_LOCK) {
				memcpy(out + olen, line, ul + 1);
				olen += ul + 1;
				if (line[ul + 1] != '!')
					out[olen++] = '!';
				memcpy(out + olen, line + ul + 1, n - ul - 1);
				olen += n - ul - 1;
			} else {   /* SHADOW_SET: new hash, changed today */
				const char *rest = memchr(p + 1, ':', (size_t)(line + n - p - 1));

				olen += (size_t)sprintf(out + olen, "%s:%s:%ld", user, hash,
				                        today);
				if (rest != NULL) {
					memcpy(out + olen, rest, (size_t)(line + n - rest));
					olen += (size_t)(line + n - rest);
				}
			}
			out[olen++] = '\n';
			continue;
		}
		memcpy(out + olen, line, n);
		olen += n;
		out[olen++] = '\n';
	}
	if (op == SHADOW_ADD && found) {
		log_warnx("%s: user %s exists already (use passwd to change "
		          "the password)", path, user);
		goto out;
	}
	if (op != SHADOW_ADD && !found) {
		log_warnx("%s: no user %s", path, user);
		goto out;
	}
	if (op == SHADOW_ADD)
		olen += (size_t)sprintf(out + olen, "%s:%s:%ld:0:99999:7:::\n",
		                        user, hash, today);
	ret = replace_file(path, out, olen, exists ? &st : NULL);
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (out != NULL) {
		OPENSSL_cleanse(out, olen);
		free(out);
	}
	close(lockfd);
	return ret;
}
