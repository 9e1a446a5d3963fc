# task10-tls: the authenticated TLS VPN (minivpn-server, minivpn-client).

T10 := task10-tls
T10_CORE := $(T10)/frame.c $(T10)/authmsg.c $(T10)/configmsg.c $(T10)/keepalive.c \
            $(T10)/net.c $(T10)/tls.c $(T10)/privdrop.c $(T10)/conffile.c

PROGRAMS += minivpn-server minivpn-client minivpn-passwd
minivpn-server_SRCS := $(T10_CORE) $(T10)/pool.c $(T10)/auth.c \
                       $(T10)/authproc.c $(T10)/throttle.c $(T10)/session.c \
                       $(T10)/shadowfile.c \
                       $(T10)/server.c $(T10)/server_main.c
minivpn-client_SRCS := $(T10_CORE) $(T10)/password.c $(T10)/netconf.c \
                       $(T10)/client.c $(T10)/client_main.c
minivpn-passwd_SRCS := $(T10)/passwd_main.c $(T10)/shadowfile.c \
                       $(T10)/password.c $(T10)/authmsg.c $(T10)/privdrop.c \
                       $(T10)/frame.c

TESTS += test-frame test-pool test-auth test-conffile test-shadowfile
test-frame_SRCS := $(T10)/tests/test_frame.c $(T10)/frame.c \
                   $(T10)/authmsg.c $(T10)/configmsg.c
test-pool_SRCS  := $(T10)/tests/test_pool.c $(T10)/pool.c $(T10)/throttle.c
test-auth_SRCS  := $(T10)/tests/test_auth.c $(T10)/auth.c
test-conffile_SRCS := $(T10)/tests/test_conffile.c $(T10)/conffile.c
test-shadowfile_SRCS := $(T10)/tests/test_shadowfile.c $(T10)/shadowfile.c \
                        $(T10)/auth.c $(T10)/authmsg.c

# make pki [PKI_NAME=host.example]: CA, server cert, rogue CA, expired cert.
PKI_NAME ?= vpnlabserver.com
pki:
	@$(T10)/pki.sh --name $(PKI_NAME) --out $(T10)/pki

# make bench: this VPN against OpenVPN (UDP and TCP) in the lab network.
bench: programs
	@$(T10)/bench.sh
