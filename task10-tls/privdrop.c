/*
 * privdrop.c - giving up root once the server is set up.
 *
 * By then the server holds everything it needs as open descriptors (TUN,
 * listening socket, auth helper socket) and its key in memory, so it can
 * become an unprivileged user: setgroups, setgid, setuid (the kernel then
 * clears every capability), and no_new_privs so that nothing it could
 * exec regains privilege.
 *
 * The client keeps one capability, CAP_NET_ADMIN, to change its TUN's
 * address and routes when a reconnect brings a new config and to remove
 * them on exit: PR_SET_KEEPCAPS across setuid, then capset() to that one.
 *
 * The server's user should be its own (`minivpn`, made by `make install`):
 * any process of the same uid may signal it, and whatever that process
 * runs could be turned against the server. privdrop_unshared() refuses a
 * user that another process runs as, unless the operator says it is meant
 * (--shared-user).
 *
 * In an unprivileged user namespace (`unshare -Ur`) only uid 0 is mapped
 * and setuid(nobody) fails with EINVAL; there we stay uid 0 *of the
 * namespace* but drop every capability, bounding set included.
 */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/capability.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "minivpn.h"

/* Empties the bounding set (but for CAP_NET_ADMIN when kept). Needs
 * CAP_SETPCAP, so this runs before setuid. */
static int
drop_bounding(bool keep_net_admin)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (keep_net_admin && cap == CAP_NET_ADMIN)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 && errno != EINVAL) {
			log_warn("prctl(PR_CAPBSET_DROP, %d)", cap);
			return -1;
		}
	}
	return 0;
}

/* Leaves only CAP_NET_ADMIN (when keep_net_admin) or nothing. */
static int
set_caps(bool keep_net_admin)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (keep_net_admin)
		data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
	if (syscall(SYS_capset, &hdr, data) == -1) {
		log_warn("capset");
		return -1;
	}
	return 0;
}

/* Secrets (keys, passwords) must not land in a core file or be ptrace'd. */
int
no_core_dumps(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_DUMPABLE, 0)");
		return -1;
	}
	return 0;
}

int
privdrop(const char *user, bool keep_net_admin)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		if (errno)
			log_warn("looking up user %s", user);
		else
			log_warnx("no user %s to drop privileges to (create it: "
			          "useradd --system --no-create-home --shell "
			          "/usr/sbin/nologin %s; or choose one with --user)",
			          user, user);
		return -1;
	}
	/* Dropping to uid 0 would drop nothing: the network-facing process
	 * would keep root (and could regain every capability). */
	if (pw->pw_uid == 0) {
		log_warnx("refusing to run as %s: uid 0 is root; choose an "
		          "unprivileged user (--user)", user);
		return -1;
	}
	if (setgroups(0, NULL) == -1 && errno != EPERM) {
		log_warn("setgroups(0)");
		return -1;
	}
	if (drop_bounding(keep_net_admin) == -1)
		return -1;
	if (keep_net_admin && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_KEEPCAPS)");
		return -1;
	}
	if (setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1) {
		if (errno != EINVAL) {
			log_warn("switching to user %s (uid %u)", user,
			         (unsigned)pw->pw_uid);
			return -1;
		}
		/* uid/gid not mapped in this user namespace. */
		log_warnx("user %s is not mapped in this user namespace; staying "
		          "uid %u with %s", user, (unsigned)getuid(),
		          keep_net_admin ? "CAP_NET_ADMIN only" : "no capabilities");
	} else if (setuid(0) != -1) {
		log_warnx("could regain root after dropping privileges");
		return -1;
	}
	if (set_caps(keep_net_admin) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
	/* Changing credentials resets dumpable; set it again. */
	if (no_core_dumps() == -1)
		return -1;
	log_info("dropped privileges: now uid %u gid %u%s", (unsigned)getuid(),
	         (unsigned)getgid(), keep_net_admin ? ", CAP_NET_ADMIN kept" : "");
	return 0;
}

/* The first process (not us) with uid as its real, effective or saved
 * uid, or 0 when there is none. */
static pid_t
uid_in_use(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64], line[256];
	pid_t found = 0, self = getpid();

	if (d == NULL) {
		log_warn("opening /proc");
		return -1;
	}
	while (found == 0 && (de = readdir(d)) != NULL) {
		long pid = strtol(de->d_name, NULL, 10);
		unsigned r, e, sv;
		FILE *f;

		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		if ((f = fopen(path, "re")) == NULL)
			continue;   /* gone meanwhile */
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "Uid: %u %u %u", &r, &e, &sv) == 3) {
				if (r == uid || e == uid || sv == uid)
					found = (pid_t)pid;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Refuses (-1) a user another process runs as; 0 when user is ours alone
 * or does not exist (privdrop says so then). */
int
privdrop_unshared(const char *user)
{
	struct passwd *pw = getpwnam(user);
	pid_t other;

	if (pw == NULL)
		return 0;
	other = uid_in_use(pw->pw_uid);
	if (other == -1)
		return -1;
	if (other > 0) {
		log_warnx("refusing to run as %s (uid %u): process %ld runs as it "
		          "too and could signal the server; use a user of its own "
		          "(useradd --system --no-create-home --shell "
		          "/usr/sbin/nologin minivpn) or say it is meant "
		          "(--shared-user)", user, (unsigned)pw->pw_uid,
		          (long)other);
		return -1;
	}
	return 0;
}
