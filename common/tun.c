/*
 * tun.c - create TUN and TAP interfaces (SEED task 2.a).
 *
 * A TUN interface hands the program whole IP packets; a TAP interface
 * hands it Ethernet frames. Both are made the same way: open the clone
 * device /dev/net/tun, then ask for an interface with the TUNSETIFF ioctl.
 * IFF_NO_PI leaves out the 4-byte packet-information header, so that what
 * read() returns starts with the IP header (or the Ethernet header).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "vpnlab.h"

/* A name pattern as the kernel wants it: "tun" -> "tun%d", "tun0" stays. */
static int
tun_name_pattern(const char *name, char out[IFNAMSIZ])
{
	size_t n = strlen(name);

	if (n == 0) {
		log_warnx("empty interface name: give a name such as tun0 or a "
		          "prefix such as yang");
		return -1;
	}
	if (strchr(name, '%') == NULL && (name[n - 1] < '0' || name[n - 1] > '9')) {
		if (n + 2 >= IFNAMSIZ)
			goto toolong;
		snprintf(out, IFNAMSIZ, "%s%%d", name);
		return 0;
	}
	if (n >= IFNAMSIZ)
		goto toolong;
	memcpy(out, name, n + 1);
	return 0;
toolong:
	log_warnx("interface name \"%s\" is too long: Linux allows %d "
	          "characters (with room for a number)", name, IFNAMSIZ - 1);
	return -1;
}

int
tun_open(const char *name, enum tun_mode mode, bool nonblock,
         char ifname[IFNAMSIZ])
{
	struct ifreq ifr;
	int fd;

	memset(&ifr, 0, sizeof(ifr));
	if (tun_name_pattern(name, ifr.ifr_name) == -1)
		return -1;

	/* SOLUTION BEGIN: open /dev/net/tun (O_RDWR | O_CLOEXEC, and O_NONBLOCK
	 * when nonblock); set ifr.ifr_flags to IFF_TUN or IFF_TAP (by mode) |
	 * IFF_NO_PI and create the interface with ioctl(fd, TUNSETIFF, &ifr);
	 * on a failure log_warn() what failed (and the likely cause: EACCES or
	 * EPERM needs root or CAP_NET_ADMIN, EBUSY a name already taken), close
	 * what was opened and return -1 */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	if (fd == -1) {
		if (errno == EACCES || errno == EPERM)
			log_warn("open /dev/net/tun (needs root or CAP_NET_ADMIN, "
			         "and the device readable: Debian makes it 0666)");
		else
			log_warn("open /dev/net/tun (is the tun module available?)");
		return -1;
	}
	ifr.ifr_flags = (short)((mode == TUN_MODE_TAP ? IFF_TAP : IFF_TUN) |
	                        IFF_NO_PI);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1) {
		log_warn("ioctl TUNSETIFF (creating %s interface %s)%s",
		         mode == TUN_MODE_TAP ? "TAP" : "TUN", ifr.ifr_name,
		         errno == EPERM ? ": needs CAP_NET_ADMIN; run it in the "
		         "lab (make shell HOST=u) or as root" : errno == EBUSY ?
		         ": the name is taken by another device" : "");
		close(fd);
		return -1;
	}
	/* SOLUTION STUB: log_warnx("task 2.a: tun_open() is not written yet (common/tun.c)"); return -1; */
	/* SOLUTION END */

	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	return fd;
}
