/*
 * minivpn.h - the index of task10-tls: every function one file of the TLS
 * VPN calls in another, grouped by the file that defines it.
 *
 * Conventions are those of common/vpnlab.h: functions that can fail return
 * -1 (or NULL) after logging what was attempted.
 */
#ifndef MINIVPN_H
#define MINIVPN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "proto.h"
#include "vpnlab.h"

/* ---- frame.c: framing over the TLS stream ---------------------------- */

/* A byte buffer; the valid bytes are data[off .. off+len); nothing was
 * ever written at or past hw. */
struct fbuf {
	uint8_t *data;
	size_t   cap, off, len, hw;
};
int      fbuf_init(struct fbuf *b, size_t cap);
void     fbuf_free(struct fbuf *b);        /* wipes, then frees */
void     fbuf_release(struct fbuf *b);     /* empty: wipes, pages back */
int      fbuf_grow(struct fbuf *b, size_t cap);
void     fbuf_compact(struct fbuf *b);
uint8_t *fbuf_tail(struct fbuf *b, size_t *room);
void     fbuf_consume(struct fbuf *b, size_t n);

struct frame {
	uint8_t        type;
	size_t         len;
	const uint8_t *payload;   /* points into the receive buffer */
};
int  frame_next(struct fbuf *rx, size_t mtu, struct frame *f, const char **why);
void frame_put_hdr(uint8_t *out, uint8_t type, size_t len);
uint8_t *frame_reserve(struct fbuf *tx, size_t maxlen);
void frame_commit(struct fbuf *tx, uint8_t type, size_t len);
void frame_commit_from(struct fbuf *tx, uint8_t type, const uint8_t *src,
                       size_t len);
int  frame_append(struct fbuf *tx, uint8_t type, const void *payload,
                  size_t len);
int  frame_append_error(struct fbuf *tx, enum vpn_error code,
                        const char *reason);
void frame_parse_error(const struct frame *f, enum vpn_error *code,
                       char *text, size_t textlen);
unsigned frame_error_retry(const struct frame *f);
const char *frame_type_name(uint8_t type);
const char *vpn_error_name(enum vpn_error code);

/* ---- offload.c: the OFFLOAD and GSO frames (superpackets) -------------- */

int      offload_append(struct fbuf *tx, unsigned bits);
unsigned offload_parse(const struct frame *f);
int      gso_parse(const struct frame *f, size_t mtu, struct vnet_gso *g,
                   uint8_t **pkt, size_t *len, const char **why);
unsigned gso_queue(struct fbuf *tx, unsigned bits, uint8_t *pkt, size_t len,
                   const struct vnet_gso *g, uint8_t *scratch,
                   unsigned *dropped);
bool     gso_commit(struct fbuf *tx, unsigned bits, uint8_t *slot,
                    size_t len, const struct vnet_gso *g);
int      gso_to_tun(int fd, bool vnet, unsigned tun_bits, uint8_t *pkt,
                    size_t len, const struct vnet_gso *g, uint8_t *scratch);
const char *offload_names(unsigned bits);   /* "TCP, UDP", "none" */

/* ---- authmsg.c: the AUTH message --------------------------------------- */

struct login {
	struct in_addr want;                  /* requested address or 0 */
	char user[AUTH_USER_MAX + 1];
	char password[AUTH_PASS_MAX + 1];
};
size_t login_encode(const char *user, const char *password,
                    struct in_addr want, uint8_t *out);
int  login_parse(const uint8_t *p, size_t len, struct login *lg,
                 const char **why);
void login_wipe(struct login *lg);
bool login_user_valid(const uint8_t *user, size_t len);

/* ---- configmsg.c: the CONFIG message ------------------------------------- */

struct vpn_route {
	struct in_addr dst;
	int prefixlen;
};
struct vpn_config {
	struct in_addr addr, server;    /* client's and server's tunnel address */
	int      prefixlen;
	unsigned mtu;
	unsigned ka_interval, ka_timeout;   /* seconds */
	unsigned nroutes;
	struct vpn_route routes[CONFIG_ROUTES_MAX];
	unsigned ndns;                       /* DNS servers pushed, 0: none */
	struct in_addr dns[CONFIG_DNS_MAX];
	char     search[CONFIG_SEARCH_MAX + 1];   /* "a.example b.example" */
};
bool   config_search_valid(const char *s, size_t len);
size_t config_encode(const struct vpn_config *cfg, uint8_t *out);
int    config_parse(const uint8_t *p, size_t len, struct vpn_config *cfg,
                    const char **why);
bool   config_routes_cover(const struct vpn_config *cfg, struct in_addr addr);

/* ---- config6msg.c: the CONFIG6 message (IPv6 in the tunnel) ------------ */

struct vpn_route6 {
	struct in6_addr dst;
	int prefixlen;
};
struct vpn_config6 {
	struct in6_addr addr, server;   /* client's and server's tunnel address */
	int      prefixlen;              /* of both: the pool6 */
	unsigned nroutes;
	struct vpn_route6 routes[CONFIG6_ROUTES_MAX];
};
size_t config6_encode(const struct vpn_config6 *cfg, uint8_t *out);
int    config6_parse(const uint8_t *p, size_t len, struct vpn_config6 *cfg,
                     const char **why);
/* The pool6 address whose host part is offset (net's host bits ignored). */
struct in6_addr pool6_addr(const struct in6_addr *net, int prefixlen,
                           uint32_t offset);
/* a's host part in net/prefixlen: 0 and *offset, or -1 when a is not in
 * it or its host part does not fit 32 bits. */
int    pool6_offset(const struct in6_addr *net, int prefixlen,
                    const struct in6_addr *a, uint32_t *offset);

/* ---- pool.c: the tunnel address pool --------------------------------------- */

#define POOL_PREFIX_MIN 20    /* at most 4096 addresses */
#define POOL_PREFIX_MAX 30
#define POOL_ROAM_MAX   64    /* addresses of other slices held at once */
struct pool {
	uint32_t net;             /* host order */
	int      prefixlen;
	uint32_t size, used;
	void    *owner[1u << (32 - POOL_PREFIX_MIN)];
	char     lease[1u << (32 - POOL_PREFIX_MIN)][AUTH_USER_MAX + 1];
	/* --pool-slice: the whole pool, and the addresses of other slices
	 * held here by clients that moved (pool_roam()). */
	uint32_t all_net;         /* host order; 0 with all_prefix 0: no slices */
	int      all_prefix;
	unsigned nroam;
	struct { uint32_t addr; void *owner; } roam[POOL_ROAM_MAX];
};
int  pool_init(struct pool *p, struct in_addr net, int prefixlen);
int  pool_slice(struct in_addr *net, int *prefixlen, unsigned n, unsigned m);
void pool_roam(struct pool *p, struct in_addr all_net, int all_prefix);
struct in_addr pool_home(struct in_addr net, int prefixlen, const char *user);
struct in_addr pool_server_addr(const struct pool *p);
bool pool_contains(const struct pool *p, struct in_addr addr);
int  pool_alloc(struct pool *p, const char *user, struct in_addr want,
                void *owner, struct in_addr *out);
void pool_free(struct pool *p, struct in_addr addr);
void *pool_owner(const struct pool *p, struct in_addr addr);

/* ---- auth.c: password check (runs in the auth helper) ------------------------ */

/* AUTH_ABANDONED never comes from the helper: the client left before its
 * verdict, which the throttle counts as a failure of its address. */
enum auth_result { AUTH_OK = 0, AUTH_BAD = 1, AUTH_ERROR = 2,
                   AUTH_ABANDONED = 3 };
bool auth_hash_matches(const char *password, const char *hash);
/* shadow_path NULL: the system's shadow database (getspnam_r). */
enum auth_result auth_check(const char *shadow_path, const char *user,
                            const char *password);
/* authpam.c: --auth pam[:SERVICE]; auth_backend_check() is what the
 * helper asks: PAM when a service is set (before the helper forks), else
 * auth_check(). */
void authpam_use(const char *service);
int authpam_check_service(const char *service);   /* 0, or -1 and why */
enum auth_result auth_backend_check(const char *shadow_path, const char *user,
                                    const char *password);
struct spwd;
const char *auth_account_refused(const struct spwd *sp, long today);

/* ---- authproc.c: the privileged auth helper process ----------------------------- */

unsigned authproc_workers(void);
int authproc_start(const char *shadow_path, unsigned nworkers);
int authproc_send(int fd, uint64_t id, const struct login *lg);
int authproc_recv(int fd, uint64_t *id, enum auth_result *res);

/* ---- throttle.c: login failures per source address -------------------------------- */

struct throttle_entry {
	struct in_addr addr;
	unsigned failures, inflight;
	unsigned refused;             /* AUTHs refused during the ban */
	uint64_t last_fail_ms, banned_until_ms;
	struct {                      /* whose failures, so a success clears */
		char user[AUTH_USER_MAX + 1];   /* only its own */
		unsigned failures;
	} who[THROTTLE_BAN_AFTER];
};
struct throttle {
	struct throttle_entry e[THROTTLE_SLOTS];
};
unsigned throttle_banned(struct throttle *t, struct in_addr addr,
                         uint64_t now_ms);
unsigned throttle_delay(struct throttle *t, struct in_addr addr,
                        uint64_t now_ms);
unsigned throttle_begin(struct throttle *t, struct in_addr addr,
                        uint64_t now_ms);
bool throttle_end(struct throttle *t, struct in_addr addr, const char *user,
                  enum auth_result result, uint64_t now_ms);

/* ---- keepalive.c: timers -------------------------------------------------------- */

struct keepalive {
	uint64_t last_rx_ms, last_tx_ms;
	uint64_t interval_ms, timeout_ms;
};
uint64_t now_ms(void);                /* CLOCK_MONOTONIC */
void ka_init(struct keepalive *ka, unsigned interval_s, unsigned timeout_s,
             uint64_t now);
bool ka_send_due(const struct keepalive *ka, uint64_t now);
bool ka_expired(const struct keepalive *ka, uint64_t now);

/* ---- net.c: TCP sockets ----------------------------------------------------- */

int fd_nonblock(int fd);
bool addr_is_literal(const char *s);  /* an IP address, not a name */
int tcp_listen(const struct sockaddr_in *local, unsigned backlog);
int tcp_tune(int fd);                 /* TCP_NODELAY, buffer sizes */
/* Connects to host:port (or to connect_addr when not NULL). Blocking. */
int tcp_connect(const char *host, uint16_t port, const char *connect_addr,
                char *peer, size_t peerlen);

/* ---- tls.c: OpenSSL contexts and messages ------------------------------------ */

SSL_CTX *tls_server_ctx(const char *cert, const char *key);
SSL_CTX *tls_client_ctx(const char *ca_dir, const char *ca_file);
/* "untrusted issuer", "host name mismatch", "expired", ... for a verify error */
const char *tls_verify_category(long verify_result);
/* Warns when cert (whose: "server", ...) expired or expires within
 * CERT_WARN_DAYS. */
void tls_warn_expiry(X509 *cert, const char *whose);
#define CERT_WARN_DAYS 30

/* ---- clientcert.c: client certificates on the server (--client-ca) ---------- */

/* Mutual TLS on ctx: trust the CA file or directory ca (read whole now:
 * the sandbox opens no files later), and with crl (or NULL) check every
 * client certificate against that CRL, kept open for clientcert_reload(). */
int  clientcert_setup(SSL_CTX *ctx, const char *ca, const char *crl);
int  clientcert_signals(void);           /* with --crl: SIGHUP rereads it */
/* In the event loop: after SIGHUP, rereads the CRL; true when a new one
 * is in force (then check the live sessions with clientcert_revoked()). */
bool clientcert_reload(SSL_CTX *ctx);
bool clientcert_revoked(SSL *ssl);       /* its peer's certificate is */
/* The user a verified client certificate names (its subject's CN) into
 * user; "" without a certificate. -1: a CN that is not a user name. */
int  clientcert_user(SSL *ssl, char *user, size_t size);
void clientcert_free(void);
/* what tls_write_fbuf() left to do */
enum tls_io {
	TLS_IO_ERROR = -1,      /* connection lost; OpenSSL's queue says why */
	TLS_IO_DONE,            /* tx is empty */
	TLS_IO_WANT_WRITE,      /* socket full: again once it is writable */
	TLS_IO_WANT_READ,       /* OpenSSL must read first: again once readable */
};
enum tls_io tls_write_fbuf(SSL *ssl, struct fbuf *tx, bool *wrote);
/* Records written but still in tls_coalesce_writes()'s buffer: call
 * tls_write_fbuf() again (with an empty tx) once the socket is writable. */
bool tls_out_pending(SSL *ssl);
int  tls_coalesce_writes(SSL *ssl, long size);
bool tls_uncoalesce_writes(SSL *ssl);

/* ---- privdrop.c: giving up root ------------------------------------------------ */

int privdrop(const char *user, bool keep_net_admin);
int privdrop_unshared(const char *user);
int no_core_dumps(void);

/* ---- sandbox.c: the server's seccomp filter ---------------------------------- */

int sandbox_server(bool syslog);

/* ---- password.c: reading the client's password ------------------------------------ */

int password_read(const char *file, const char *user, char *out, size_t len);

/* ---- netconf.c: the client's TUN address and routes ------------------------------- */

struct netconf {
	char ifname[IFNAMSIZ];
	bool applied;
	struct vpn_config cfg;   /* what is in the kernel now */
	struct in_addr server;   /* the server's outer address, 0 if not IPv4 */
	bool pinned;             /* a host route to pin_addr, ours, is set */
	struct in_addr pin_addr, pin_gw;   /* via pin_gw (0: on-link) dev pin_if */
	char pin_if[IFNAMSIZ];
	/* IPv6 (netconf6.c) */
	bool applied6;
	struct vpn_config6 cfg6;       /* what is in the kernel now */
	struct vpn_config6 want6;      /* what the server asked for */
	bool has_outer6;               /* the server is reached over IPv6 at */
	struct in6_addr outer6;
};
int  netconf_apply(struct netconf *nc, const struct vpn_config *cfg);
void netconf_remove(struct netconf *nc);   /* IPv6 too */
/* netconf6.c: IPv6 on the TUN (sysctls), the CONFIG6 address and routes */
void tun_ipv6_quiet(const char *ifname);   /* before link up */
int  tun_ipv6_enable(const char *ifname);
int  netconf6_apply(struct netconf *nc, const struct vpn_config6 *cfg);
void netconf6_remove(struct netconf *nc);

/* ---- shadowfile.c: a shadow-format password file ------------------------------ */

enum shadow_op { SHADOW_ADD, SHADOW_SET, SHADOW_LOCK, SHADOW_DEL };
/* Logs each malformed line by number; returns how many, or -1. */
int shadowfile_check(const char *path);
/* Replaces path atomically with user added, given hash, locked, deleted. */
int shadowfile_edit(const char *path, enum shadow_op op, const char *user,
                    const char *hash);

/* ---- roothelper.c: the keepers nat.c, roam.c and dnsconf.c fork ------------------ */

enum { ROOTHELPER_PIPE, ROOTHELPER_SEQPACKET };
typedef void roothelper_fn(int fd, void *arg);   /* should not return */
/* Forks a keeper that runs fn(3, arg) with its end of a pipe (it reads) or
 * SOCK_SEQPACKET pair at fd 3 (close-on-exec), nothing else above stdio,
 * SIGTERM/SIGINT/SIGHUP ignored; returns the caller's end, or -1. */
int roothelper_start(const char *name, int kind, roothelper_fn *fn, void *arg);
/* Runs argv (argv[0] looked up in PATH) with input on its stdin (if not
 * NULL) and only stdio open; 0 when it exits 0, else -1 with a message
 * that starts with what. */
int roothelper_run(char *const argv[], const char *input, const char *what);

/* ---- nat.c: --nat IFACE, the server's own nftables table ------------------------- */

/* Sets the table up and forks its keeper; returns the fd whose closing
 * (at exit) makes the keeper remove it, or -1. */
int nat_start(const char *ifname, struct in_addr net, int prefixlen);

/* ---- roam.c: /32 routes for clients from other slices, through a keeper ---------- */

/* pool6/pool6_prefix: --pool6 (prefix 0: none), whose /128s go along. */
int  roam_start(struct in_addr all_net, int all_prefix, struct in_addr own_net,
                int own_prefix, const struct in6_addr *pool6,
                int pool6_prefix);   /* before the privilege drop; its fd */
void roam_send(int fd, char op, struct in_addr addr, const char *ifname);

/* ---- dnsconf.c: pushed DNS on the client, through a root keeper -------------------- */

int dnsconf_start(void);   /* before the privilege drop; the keeper's fd */
int dnsconf_set(int fd, const char *ifname, const struct vpn_config *cfg);

/* ---- conffile.c: the programs' configuration file ------------------------------- */

#define MINIVPN_VERSION "1.0"

struct option;
struct conf_entry {
	int         val;       /* the getopt value of the option */
	const char *name;      /* its long name */
	char       *arg;       /* its value, NULL for a flag */
	unsigned    line;
};
struct conffile {
	const char        *path;
	struct conf_entry *e;
	size_t             n;
	char               err[512];   /* "FILE:LINE: what was expected" */
};
/* Both return -1 with the reason in cf->err; conffile_free() either way. */
int  conffile_load(struct conffile *cf, const char *path,
                   const struct option *opts, const char *const *repeatable);
int  conffile_parse(struct conffile *cf, const char *path, const char *text,
                    size_t len, const struct option *opts,
                    const char *const *repeatable);
void conffile_free(struct conffile *cf);
const char *conffile_arg(int argc, char **argv);
/* parse_args() of both programs: file, then command line; returns optind. */
int  conffile_parse_args(struct conffile *cf, int argc, char **argv,
                         const char *shortopts, const struct option *longopts,
                         const char *const *repeatable,
                         void (*apply)(void *ctx, int c, const char *arg,
                                       const char *what, bool from_file),
                         void *ctx);

#endif /* MINIVPN_H */
