# task10-tls: the authenticated TLS VPN (minivpn-server, minivpn-client).

T10 := task10-tls
T10_CORE := $(T10)/frame.c $(T10)/authmsg.c $(T10)/configmsg.c $(T10)/config6msg.c \
            $(T10)/keepalive.c $(T10)/net.c $(T10)/tls.c $(T10)/privdrop.c \
            $(T10)/conffile.c $(T10)/offload.c

PROGRAMS += minivpn-server minivpn-client minivpn-passwd minivpn-load
minivpn-server_SRCS := $(T10_CORE) $(T10)/pool.c $(T10)/auth.c \
                       $(T10)/authproc.c $(T10)/throttle.c $(T10)/session.c \
                       $(T10)/shadowfile.c $(T10)/control.c $(T10)/nat.c \
                       $(T10)/session_gso.c $(T10)/session6.c $(T10)/netconf6.c $(T10)/proxyproto.c $(T10)/drain.c \
                       $(T10)/authpam.c $(T10)/roam.c $(T10)/roothelper.c $(T10)/clientcert.c \
                       $(T10)/server.c $(T10)/sandbox.c $(T10)/server_main.c
minivpn-server_LIBS := -lseccomp -lpam
minivpn-client_SRCS := $(T10_CORE) $(T10)/password.c $(T10)/netconf.c $(T10)/netconf6.c $(T10)/dnsconf.c $(T10)/roothelper.c \
                       $(T10)/client.c $(T10)/client_gso.c $(T10)/client6.c $(T10)/client_main.c
minivpn-passwd_SRCS := $(T10)/passwd_main.c $(T10)/shadowfile.c \
                       $(T10)/password.c $(T10)/authmsg.c $(T10)/privdrop.c \
                       $(T10)/frame.c
# The stress check's load client (stress.sh): logins without a TUN.
minivpn-load_SRCS := $(T10_CORE) $(T10)/password.c $(T10)/load.c

TESTS += test-frame test-pool test-auth test-conffile test-shadowfile test-offload test-tls \
         test-configdns test-config6 test-proxyproto test-roothelper
test-roothelper_SRCS := $(T10)/tests/test_roothelper.c $(T10)/roothelper.c
test-frame_SRCS := $(T10)/tests/test_frame.c $(T10)/frame.c \
                   $(T10)/authmsg.c $(T10)/configmsg.c
test-offload_SRCS := $(T10)/tests/test_offload.c $(T10)/offload.c $(T10)/frame.c
# tls_write_fbuf() and the write coalescing, over a seqpacket socketpair.
test-tls_SRCS := $(T10)/tests/test_tls.c $(T10)/tls.c $(T10)/frame.c
test-pool_SRCS  := $(T10)/tests/test_pool.c $(T10)/pool.c $(T10)/throttle.c
test-auth_SRCS  := $(T10)/tests/test_auth.c $(T10)/auth.c
test-conffile_SRCS := $(T10)/tests/test_conffile.c $(T10)/conffile.c
test-proxyproto_SRCS := $(T10)/tests/test_proxyproto.c $(T10)/proxyproto.c
test-configdns_SRCS := $(T10)/tests/test_configdns.c $(T10)/configmsg.c
test-config6_SRCS := $(T10)/tests/test_config6.c $(T10)/config6msg.c
test-shadowfile_SRCS := $(T10)/tests/test_shadowfile.c $(T10)/shadowfile.c \
                        $(T10)/auth.c $(T10)/authmsg.c

# make pki [PKI_NAME=host.example]: a CA and a server certificate; refused
# when task10-tls/pki already has a CA (pki.sh --force, pki.sh issue-server).
PKI_NAME ?= vpnlabserver.com
pki:
	@$(T10)/pki.sh --name $(PKI_NAME) --out $(T10)/pki

# make bench: this VPN against OpenVPN (UDP and TCP) in the lab network.
bench: programs
	@$(T10)/bench.sh

# make bench-scale: SCALE_N (default 1,000) logged-in clients on one server.
bench-scale: programs
	@$(T10)/bench-scale.sh

# make install / uninstall
include $(T10)/install.mk

# make check-scale: two servers behind HAProxy (PROXY v2), drain, pool
# slices, PAM (issue 13), in the lab.
.PHONY: check-scale
check-scale: check-build
	@bash $(T10)/scale.sh

# make check-deploy: the VPN as an admin runs it (config files, the unit's
# capabilities, minivpn-passwd, the control socket), in the lab.
.PHONY: check-deploy
check-deploy: check-build
	@bash $(T10)/check-deploy.sh
