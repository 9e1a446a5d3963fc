# task10-tls/install.mk - make install / uninstall of the TLS VPN.
#
#   make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
#   make uninstall [PREFIX=...] [DESTDIR=...]
#
#   $(SBINDIR)   minivpn-server, minivpn-client, minivpn-passwd, minivpn-pki
#   $(MANDIR)    minivpn-server(8), minivpn-client(8), minivpn-passwd(8),
#                minivpn.conf(5)
#   $(UNITDIR)   minivpn-server@.service, minivpn-client@.service (they read
#                /etc/minivpn/NAME.conf); /usr/local/lib/systemd/system is
#                on systemd's search path
#   $(DOCDIR)    the example server.conf and client.conf
#
# The release build (build/rel) is installed, never the sanitizer one.
# /etc/minivpn is left to the admin: configs and keys are never overwritten.

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR  ?= $(PREFIX)/share/doc/minivpn

T10_INSTALL_BINS := minivpn-server minivpn-client minivpn-passwd
T10_MAN8 := minivpn-server.8 minivpn-client.8 minivpn-passwd.8
T10_MAN5 := minivpn.conf.5
T10_UNITS := minivpn-server@.service minivpn-client@.service

.PHONY: install uninstall

install:
	@$(MAKE) -s --no-print-directory SAN=0 $(addprefix build/rel/bin/,$(T10_INSTALL_BINS))
	install -d -m 755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(addprefix build/rel/bin/,$(T10_INSTALL_BINS)) $(DESTDIR)$(SBINDIR)/
	install -m 755 $(T10)/pki.sh $(DESTDIR)$(SBINDIR)/minivpn-pki
	install -m 644 $(addprefix $(T10)/dist/,$(T10_MAN8)) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(addprefix $(T10)/dist/,$(T10_MAN5)) $(DESTDIR)$(MANDIR)/man5/
	for u in $(T10_UNITS); do \
		sed 's|@SBINDIR@|$(SBINDIR)|g' $(T10)/dist/$$u.in >$(DESTDIR)$(UNITDIR)/$$u || exit 1; \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	install -m 644 $(T10)/examples/server.conf $(T10)/examples/client.conf $(DESTDIR)$(DOCDIR)/
	@# The server's own user (minivpn-server --user, default minivpn), on a
	@# real install only (not into a DESTDIR staging tree), by root only (a
	@# user's install into a PREFIX of their own is told what to do).
	@if [ -z "$(DESTDIR)" ] && ! getent passwd minivpn >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "useradd --system ... minivpn"; \
			useradd --system --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin minivpn || exit 1; \
		else \
			echo "note: no user 'minivpn' (the server's --user): as root," \
			     "useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin minivpn"; \
		fi; \
	fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(T10_INSTALL_BINS) minivpn-pki)
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(T10_MAN8))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(T10_MAN5))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(T10_UNITS))
	rm -f $(DESTDIR)$(DOCDIR)/server.conf $(DESTDIR)$(DOCDIR)/client.conf
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null
