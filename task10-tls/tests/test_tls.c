/*
 * test_tls.c - tls_write_fbuf() and the write coalescing of tls.c
 * (tls_coalesce_writes(), tls_out_pending()): how many socket writes the
 * TLS records of one batch take, with and without coalescing, and that a
 * full socket leaves the rest for a later call instead of losing it.
 *
 * The writer ("client", from tls_client_ctx(), so with the modes tls.c
 * sets) writes through a socket BIO to one end of an AF_UNIX
 * SOCK_SEQPACKET pair: each write() it makes arrives as one message, so
 * the test can count them and see their sizes. The peer ("server", a
 * context built here from a certificate made in memory) uses memory BIOs;
 * the test carries the messages to it, and its replies back to the
 * client's memory read BIO (an SSL reading a seqpacket socket would cut
 * messages longer than its read).
 *
 *     client SSL --wbio: socket BIO--> fd[0] ==seqpacket==> fd[1]
 *          ^ rbio: memory BIO                                 | test: recvmsg
 *          +------------ test <---- server wbio    server rbio <-+
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "../minivpn.h"

#define NFRAMES      4                      /* GSO frames of a batch */
#define RECORD_LEN   16384                  /* TLS plaintext per record */
#define MSG_BUF_LEN  (256 * 1024)           /* larger than any write */
#define LOOP_MAX     1000                   /* calls before giving up */

/* The two contexts every test shares. */
struct env {
	EVP_PKEY *key;
	X509     *cert;
	SSL_CTX  *server_ctx, *client_ctx;
};

/* One connection, and what the test saw on its socket since link_count(). */
struct link {
	int      fd[2];
	SSL     *client, *server;
	BIO     *client_rbio, *server_rbio, *server_wbio;   /* owned by the SSLs */
	BIO     *sock;                                      /* client's socket BIO */
	uint8_t *msg;                                       /* one message */
	uint8_t *got;                                       /* server's plaintext */
	size_t   got_len, got_cap;
	unsigned msgs;                                      /* messages seen */
	size_t   msg_max, msg_bytes;                        /* largest, sum */
};

/* A batch of frames and a copy of its bytes, to judge what arrives. */
struct batch {
	struct fbuf tx;
	uint8_t    *want;
	size_t      len;
};

/* ---- the certificate and the contexts ------------------------------------ */

/* A self-signed P-256 certificate for "test.invalid", valid for a day. */
static int
make_cert(struct env *e)
{
	X509_NAME *name;

	e->key = EVP_EC_gen("P-256");
	e->cert = X509_new();
	if (e->key == NULL || e->cert == NULL)
		return -1;
	name = X509_get_subject_name(e->cert);
	if (X509_set_version(e->cert, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(e->cert), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(e->cert), -60) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(e->cert), 86400) == NULL ||
	    name == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                               (const unsigned char *)"test.invalid",
	                               -1, -1, 0) != 1 ||
	    X509_set_issuer_name(e->cert, name) != 1 ||
	    X509_set_pubkey(e->cert, e->key) != 1 ||
	    X509_sign(e->cert, e->key, EVP_sha256()) <= 0)
		return -1;
	return 0;
}

/* The server's context, as tls_server_ctx() makes it but from memory. */
static SSL_CTX *
make_server_ctx(const struct env *e)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_use_certificate(ctx, e->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, e->key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1 ||
	    SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

static void
env_free(struct env *e)
{
	SSL_CTX_free(e->client_ctx);
	SSL_CTX_free(e->server_ctx);
	X509_free(e->cert);
	EVP_PKEY_free(e->key);
	free(e);
}

static int
env_setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	if (make_cert(e) == -1 || (e->server_ctx = make_server_ctx(e)) == NULL) {
		ERR_print_errors_fp(stderr);
		env_free(e);
		return -1;
	}
	/* tls.c's own client context (TLS 1.3, partial writes, moving
	 * buffers), trusting nothing: the test turns verification off. */
	e->client_ctx = tls_client_ctx(NULL, NULL);
	if (e->client_ctx == NULL) {
		env_free(e);
		return -1;
	}
	SSL_CTX_set_verify(e->client_ctx, SSL_VERIFY_NONE, NULL);
	*state = e;
	return 0;
}

static int
env_teardown(void **state)
{
	env_free(*state);
	return 0;
}

/* ---- carrying bytes between the two ends ----------------------------------- */

/* Starts counting the messages on the socket afresh. */
static void
link_count(struct link *l)
{
	l->msgs = 0;
	l->msg_max = l->msg_bytes = 0;
}

/*
 * Reads up to `max` messages (0: all) that wait on fd[1] into the
 * server's read BIO, counting them. Returns how many it read.
 */
static unsigned
take_msgs(struct link *l, unsigned max)
{
	unsigned n = 0;

	while (max == 0 || n < max) {
		struct iovec iov = { .iov_base = l->msg, .iov_len = MSG_BUF_LEN };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t r = recvmsg(l->fd[1], &mh, 0);

		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		assert_true(r > 0);
		assert_false(mh.msg_flags & MSG_TRUNC);
		assert_int_equal(BIO_write(l->server_rbio, l->msg, (int)r), r);
		l->msgs++;
		l->msg_bytes += (size_t)r;
		if ((size_t)r > l->msg_max)
			l->msg_max = (size_t)r;
		n++;
	}
	return n;
}

/* What the server wrote goes to the client's read BIO. */
static void
server_to_client(struct link *l)
{
	uint8_t buf[4096];
	int n;

	while ((n = BIO_read(l->server_wbio, buf, sizeof(buf))) > 0)
		assert_int_equal(BIO_write(l->client_rbio, buf, n), n);
}

/* The server decrypts what it has into l->got. */
static void
server_read(struct link *l)
{
	for (;;) {
		size_t n = 0;

		assert_true(l->got_len < l->got_cap);
		if (SSL_read_ex(l->server, l->got + l->got_len,
		                l->got_cap - l->got_len, &n) != 1) {
			assert_int_equal(SSL_get_error(l->server, 0),
			                 SSL_ERROR_WANT_READ);
			return;
		}
		l->got_len += n;
	}
}

/* Carries up to max messages (0: all) and lets the server read them. */
static unsigned
pump(struct link *l, unsigned max)
{
	unsigned n = take_msgs(l, max);

	server_read(l);
	server_to_client(l);
	return n;
}

/* One step of a handshake: 1 when done, 0 when it waits for the peer. */
static int
handshake_step(SSL *ssl)
{
	int r = SSL_do_handshake(ssl);

	if (r == 1)
		return 1;
	r = SSL_get_error(ssl, r);
	if (r != SSL_ERROR_WANT_READ && r != SSL_ERROR_WANT_WRITE) {
		ERR_print_errors_fp(stderr);
		fail_msg("handshake failed: SSL_get_error %d", r);
	}
	return 0;
}

/* ---- a connection per test ------------------------------------------------- */

static int
link_setup(void **state)
{
	const struct env *e = *state;
	struct link *l = calloc(1, sizeof(*l));
	BIO *crbio = NULL, *srbio = NULL, *swbio = NULL, *sock = NULL;

	if (l == NULL)
		return -1;
	l->fd[0] = l->fd[1] = -1;
	l->got_cap = 2 * NFRAMES * (FRAME_HDR_LEN + FRAME_LEN_MAX);
	l->msg = malloc(MSG_BUF_LEN);
	l->got = malloc(l->got_cap);
	if (l->msg == NULL || l->got == NULL ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, l->fd) == -1)
		goto bad;
	l->client = SSL_new(e->client_ctx);
	l->server = SSL_new(e->server_ctx);
	crbio = BIO_new(BIO_s_mem());
	srbio = BIO_new(BIO_s_mem());
	swbio = BIO_new(BIO_s_mem());
	sock = BIO_new_socket(l->fd[0], BIO_NOCLOSE);
	if (l->client == NULL || l->server == NULL || crbio == NULL ||
	    srbio == NULL || swbio == NULL || sock == NULL)
		goto bad;
	/* The SSLs own the BIOs from here. */
	SSL_set_bio(l->client, crbio, sock);
	SSL_set_bio(l->server, srbio, swbio);
	l->client_rbio = crbio;
	l->server_rbio = srbio;
	l->server_wbio = swbio;
	l->sock = sock;
	crbio = srbio = swbio = sock = NULL;
	SSL_set_connect_state(l->client);
	SSL_set_accept_state(l->server);
	*state = l;
	return 0;
bad:
	ERR_print_errors_fp(stderr);
	BIO_free(crbio);
	BIO_free(srbio);
	BIO_free(swbio);
	BIO_free(sock);
	SSL_free(l->client);
	SSL_free(l->server);
	if (l->fd[0] != -1)
		close(l->fd[0]);
	if (l->fd[1] != -1)
		close(l->fd[1]);
	free(l->got);
	free(l->msg);
	free(l);
	return -1;
}

static int
link_teardown(void **state)
{
	struct link *l = *state;

	/* tls_coalesce_writes() took a reference of the socket BIO for its
	 * buffer: SSL_free() frees the chain once, ASan says if twice. (The
	 * socket BIO is the write BIO only here; SSL_set_fd() makes it both,
	 * with one more reference, which the counting does not change.) */
	SSL_free(l->client);
	SSL_free(l->server);
	close(l->fd[0]);
	close(l->fd[1]);
	free(l->got);
	free(l->msg);
	free(l);
	return 0;
}

/* Both ends handshake, the test carrying their messages. */
static void
handshake(struct link *l)
{
	int cdone = 0, sdone = 0;

	for (int i = 0; i < LOOP_MAX && !(cdone && sdone); i++) {
		if (!cdone)
			cdone = handshake_step(l->client);
		take_msgs(l, 0);
		if (!sdone)
			sdone = handshake_step(l->server);
		server_to_client(l);
	}
	assert_true(cdone && sdone);
	assert_int_equal(SSL_version(l->client), TLS1_3_VERSION);
	link_count(l);
}

/* ---- batches ------------------------------------------------------------- */

/* n GSO frames of `len` bytes each, every byte numbered (frame, offset). */
static void
batch_make(struct batch *b, unsigned n, size_t len)
{
	uint8_t *payload = malloc(len);

	assert_non_null(payload);
	assert_int_equal(fbuf_init(&b->tx, TX_BUF_OFFLOAD_LEN), 0);
	for (unsigned f = 0; f < n; f++) {
		for (size_t i = 0; i < len; i++)
			payload[i] = (uint8_t)(i * 7 + f * 31 + (i >> 8));
		assert_int_equal(frame_append(&b->tx, FRAME_GSO, payload, len), 0);
	}
	free(payload);
	b->len = b->tx.len;
	b->want = malloc(b->len);
	assert_non_null(b->want);
	memcpy(b->want, b->tx.data + b->tx.off, b->len);
}

static void
batch_free(struct batch *b)
{
	free(b->want);
	fbuf_free(&b->tx);
}

/* The server got exactly the batch's bytes, in order. */
static void
assert_arrived(const struct link *l, const struct batch *b)
{
	assert_int_equal(l->got_len, b->len);
	assert_memory_equal(l->got, b->want, b->len);
}

/*
 * tls_write_fbuf() until TLS_IO_DONE, carrying every message to the
 * server whenever the socket is full. Returns the number of calls.
 */
static unsigned
write_all(struct link *l, struct batch *b)
{
	for (unsigned calls = 1; calls <= LOOP_MAX; calls++) {
		bool wrote;
		enum tls_io r = tls_write_fbuf(l->client, &b->tx, &wrote);

		if (r == TLS_IO_DONE) {
			assert_int_equal(b->tx.len, 0);
			pump(l, 0);
			return calls;
		}
		assert_int_equal(r, TLS_IO_WANT_WRITE);
		assert_true(pump(l, 0) > 0);   /* else no progress is possible */
	}
	fail_msg("tls_write_fbuf() not done after %d calls", LOOP_MAX);
	return 0;
}

/* The records of len bytes: a partial write sends one full record per
 * SSL_write_ex(), the last one shorter. */
static size_t
records(size_t len)
{
	return (len + RECORD_LEN - 1) / RECORD_LEN;
}

/* Each TLS 1.3 record adds a header, the inner content type and the AEAD
 * tag (16 bytes for the suites of OpenSSL 3: AES-GCM, ChaCha20-Poly1305). */
static size_t
ciphertext_len(size_t len)
{
	return len + records(len) * (SSL3_RT_HEADER_LENGTH + 1 + 16);
}

/* ---- the cases ------------------------------------------------------------- */

/* Without coalescing every record is a write of its own. */
static void
test_one_write_per_record(void **state)
{
	struct link *l = *state;
	struct batch b;
	unsigned calls;

	handshake(l);
	batch_make(&b, NFRAMES, FRAME_LEN_MAX);
	assert_false(tls_out_pending(l->client));
	calls = write_all(l, &b);
	print_message("no coalescing: %zu bytes, %u records, %zu ciphertext "
	              "bytes in %u socket writes (largest %zu), %u calls\n",
	              b.len, (unsigned)records(b.len), l->msg_bytes, l->msgs,
	              l->msg_max, calls);
	assert_true(records(b.len) >= 16);
	assert_true(l->msgs >= records(b.len));
	assert_true(l->msg_max <= SSL3_RT_MAX_ENCRYPTED_LENGTH + SSL3_RT_HEADER_LENGTH);
	assert_int_equal(l->msg_bytes, ciphertext_len(b.len));
	assert_false(tls_out_pending(l->client));
	assert_arrived(l, &b);
	batch_free(&b);
}

/*
 * Coalesced, the records leave in writes of 64 KiB: the buffering BIO
 * sends only full buffers, and the flush at the end of tls_write_fbuf()
 * the rest, so ceil(ciphertext / 64 KiB) writes and none larger. A full
 * socket does not add a write: a seqpacket socket takes a whole message
 * or none, and the retry sends the same buffer.
 */
static void
test_coalesced(void **state)
{
	struct link *l = *state;
	struct batch b;
	size_t ct, most;
	unsigned calls;

	handshake(l);
	assert_int_equal(tls_coalesce_writes(l->client, TLS_COALESCE_LEN), 0);
	assert_int_equal(BIO_method_type(SSL_get_wbio(l->client)), BIO_TYPE_BUFFER);
	assert_ptr_equal(BIO_next(SSL_get_wbio(l->client)), l->sock);
	assert_false(tls_out_pending(l->client));
	batch_make(&b, NFRAMES, FRAME_LEN_MAX);
	calls = write_all(l, &b);
	ct = ciphertext_len(b.len);
	most = (ct + TLS_COALESCE_LEN - 1) / TLS_COALESCE_LEN;
	print_message("coalesced: %zu bytes, %zu ciphertext bytes in %u socket "
	              "writes (largest %zu, at most %zu allowed), %u calls\n",
	              b.len, l->msg_bytes, l->msgs, l->msg_max, most, calls);
	assert_int_equal(l->msg_bytes, ct);
	assert_true(l->msg_max <= TLS_COALESCE_LEN);
	assert_true(l->msgs <= most);
	assert_true(l->msgs * 3 < records(b.len));   /* far fewer than case 1 */
	assert_false(tls_out_pending(l->client));
	assert_arrived(l, &b);
	batch_free(&b);
}

/*
 * A send buffer that holds two 64 KiB messages and no more. Linux doubles
 * what is asked; a seqpacket socket refuses (EMSGSIZE, not EAGAIN) a
 * message larger than its send buffer, so it must still hold one whole
 * buffer. Returns the size in force.
 */
static int
small_sndbuf(struct link *l)
{
	int sndbuf = TLS_COALESCE_LEN;
	socklen_t optlen = sizeof(sndbuf);

	assert_int_equal(setsockopt(l->fd[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	                            sizeof(sndbuf)), 0);
	assert_int_equal(getsockopt(l->fd[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	                            &optlen), 0);
	assert_true(sndbuf > TLS_COALESCE_LEN + 1024);
	return sndbuf;
}

/*
 * The socket fills: a send buffer of two 64 KiB messages, and the test
 * takes one message off it per call. The records wait, in tx or in the
 * write buffer, and later calls send them. Each call then sends one full
 * buffer and finds the socket full again, so the call that takes the last
 * record from tx cannot flush the rest: it must say TLS_IO_WANT_WRITE with
 * tx empty and tls_out_pending(), and the next call, with nothing in tx,
 * sends it.
 */
static void
test_socket_full(void **state)
{
	struct link *l = *state;
	struct batch b;
	unsigned want_write = 0, pending_empty = 0, calls = 0;
	enum tls_io r = TLS_IO_ERROR;
	int sndbuf = small_sndbuf(l);

	handshake(l);
	assert_int_equal(tls_coalesce_writes(l->client, TLS_COALESCE_LEN), 0);
	batch_make(&b, NFRAMES, FRAME_LEN_MAX);
	while (calls < LOOP_MAX) {
		bool wrote;

		calls++;
		r = tls_write_fbuf(l->client, &b.tx, &wrote);
		if (r == TLS_IO_DONE)
			break;
		assert_int_equal(r, TLS_IO_WANT_WRITE);
		want_write++;
		if (b.tx.len == 0) {
			assert_true(tls_out_pending(l->client));
			pending_empty++;
		}
		assert_int_equal(pump(l, 1), 1);
	}
	assert_int_equal(r, TLS_IO_DONE);
	assert_int_equal(b.tx.len, 0);
	assert_false(tls_out_pending(l->client));
	assert_true(want_write > pending_empty);   /* some with tx not empty */
	assert_true(pending_empty > 0);
	pump(l, 0);
	print_message("socket full (send buffer %d): %u calls, %u "
	              "TLS_IO_WANT_WRITE, %u of them with tx empty and records "
	              "pending; %u socket writes (largest %zu)\n", sndbuf, calls,
	              want_write, pending_empty, l->msgs, l->msg_max);
	assert_int_equal(l->msg_bytes, ciphertext_len(b.len));
	assert_true(l->msg_max <= TLS_COALESCE_LEN);
	assert_arrived(l, &b);
	batch_free(&b);
}

/* Asking twice keeps the one buffer in front of the socket. */
static void
test_coalesce_twice(void **state)
{
	struct link *l = *state;
	struct batch b;
	BIO *wbio;

	handshake(l);
	assert_int_equal(tls_coalesce_writes(l->client, TLS_COALESCE_LEN), 0);
	wbio = SSL_get_wbio(l->client);
	assert_int_equal(tls_coalesce_writes(l->client, TLS_COALESCE_LEN), 0);
	assert_ptr_equal(SSL_get_wbio(l->client), wbio);
	assert_ptr_equal(BIO_next(wbio), l->sock);
	/* Three records, under one buffer: one write. */
	batch_make(&b, 1, 40000);
	write_all(l, &b);
	assert_int_equal(l->msgs, 1);
	assert_int_equal(l->msg_bytes, ciphertext_len(b.len));
	assert_false(tls_out_pending(l->client));
	assert_arrived(l, &b);
	batch_free(&b);
}

/*
 * An idle session gives the buffer back, but only an empty one: with
 * records still in it (a full socket) it stays; once they are sent the SSL
 * writes straight to its socket again, one write per record.
 */
static void
test_uncoalesce(void **state)
{
	struct link *l = *state;
	struct batch b;
	unsigned calls = 0;
	bool wrote;
	BIO *buf;

	(void)small_sndbuf(l);
	handshake(l);
	assert_true(tls_uncoalesce_writes(l->client));   /* nothing to undo */
	assert_ptr_equal(SSL_get_wbio(l->client), l->sock);
	assert_int_equal(tls_coalesce_writes(l->client, TLS_COALESCE_LEN), 0);
	buf = SSL_get_wbio(l->client);
	batch_make(&b, NFRAMES, FRAME_LEN_MAX);
	/* One message off the socket per call, until tx is empty but the
	 * buffer is not (as in test_socket_full). */
	for (;;) {
		assert_true(++calls < LOOP_MAX);
		assert_int_equal(tls_write_fbuf(l->client, &b.tx, &wrote),
		                 TLS_IO_WANT_WRITE);
		if (b.tx.len == 0 && tls_out_pending(l->client))
			break;
		assert_int_equal(pump(l, 1), 1);
	}
	assert_false(tls_uncoalesce_writes(l->client));
	assert_ptr_equal(SSL_get_wbio(l->client), buf);
	pump(l, 0);
	write_all(l, &b);
	assert_arrived(l, &b);
	batch_free(&b);

	assert_true(tls_uncoalesce_writes(l->client));
	assert_ptr_equal(SSL_get_wbio(l->client), l->sock);
	link_count(l);
	l->got_len = 0;
	batch_make(&b, 1, 40000);
	write_all(l, &b);
	assert_int_equal(l->msgs, records(b.len));   /* 3 records, 3 writes */
	assert_arrived(l, &b);
	batch_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_write_per_record,
		                                link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_coalesced,
		                                link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_socket_full,
		                                link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_coalesce_twice,
		                                link_setup, link_teardown),
		cmocka_unit_test_setup_teardown(test_uncoalesce,
		                                link_setup, link_teardown),
	};
	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
