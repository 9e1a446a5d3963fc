/*
 * clientcert.c - client certificates on the server: --client-ca (mutual
 * TLS), --crl (revocation, reread on SIGHUP), and the user name a
 * certificate names.
 *
 * The server's sandbox (sandbox.c) opens no file once the event loop runs,
 * so everything is read before it: the CA certificates are kept in memory
 * (a CA directory is read whole at start, not looked up per handshake) and
 * the CRL file is kept open; SIGHUP rereads it through that descriptor.
 * Hence the CRL must be rewritten in place (cp, `pki.sh crl`), not renamed
 * over: a file that was replaced is noticed (no links left) and logged.
 * A reload builds a whole new X509_STORE (CAs + CRL) and swaps it in; a
 * CRL that does not parse or verify leaves the old one in force.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "minivpn.h"

#define CRL_MAX_BYTES (16u << 20)

static STACK_OF(X509) *cas;        /* --client-ca's certificates */
static int crlfd = -1;             /* --crl, open for rereading */
static const char *crlpath;
static X509_CRL *cur;              /* the CRL in force, for live sessions */
static volatile sig_atomic_t hup;

static void
on_hup(int sig)
{
	(void)sig;
	hup = 1;
}

/* Adds the PEM certificates of path to cas (duplicates once). */
static int
load_ca_file(const char *path, unsigned *added)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int n = 0;

	if (b == NULL) {
		log_openssl("--client-ca: opening %s", path);
		return -1;
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		bool dup = false;

		n++;
		for (int i = 0; i < sk_X509_num(cas); i++)
			if (X509_cmp(sk_X509_value(cas, i), x) == 0)
				dup = true;
		if (dup || !X509_check_ca(x)) {
			if (!dup)
				log_warnx("--client-ca: %s: a certificate that is not a "
				          "CA, skipped", path);
			X509_free(x);
			continue;
		}
		if (!sk_X509_push(cas, x)) {
			X509_free(x);
			BIO_free(b);
			log_openssl("--client-ca: keeping a certificate");
			return -1;
		}
		(*added)++;
	}
	BIO_free(b);
	/* The loop ends at the end of the file (PEM_R_NO_START_LINE). */
	ERR_clear_error();
	if (n == 0) {
		log_warnx("--client-ca: %s holds no PEM certificate", path);
		return -1;
	}
	return 0;
}

/* A file, or every file of a directory (a ca-dir's hash links included). */
static int
load_cas(const char *path)
{
	struct stat st;
	unsigned added = 0;

	cas = sk_X509_new_null();
	if (cas == NULL) {
		log_openssl("sk_X509_new_null");
		return -1;
	}
	if (stat(path, &st) == -1) {
		log_warn("--client-ca %s", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char p[PATH_MAX];

		if (d == NULL) {
			log_warn("--client-ca: opendir %s", path);
			return -1;
		}
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
			    load_ca_file(p, &added) == -1) {
				closedir(d);
				return -1;
			}
		}
		closedir(d);
	} else if (load_ca_file(path, &added) == -1)
		return -1;
	if (added == 0) {
		log_warnx("--client-ca %s: no CA certificate in it", path);
		return -1;
	}
	return 0;
}

/* Reads the CRL through crlfd, checks it is signed by one of cas. */
static X509_CRL *
crl_read(void)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	BIO *b;
	X509_CRL *crl;
	int i;

	if (fstat(crlfd, &st) == -1) {
		log_warn("--crl %s", crlpath);
		return NULL;
	}
	if (st.st_nlink == 0)
		log_warnx("--crl %s was replaced (renamed over or deleted): the "
		          "server still reads the file it opened at start; write "
		          "the new CRL into the same file (cp, pki.sh crl) or "
		          "restart", crlpath);
	if (st.st_size <= 0 || (unsigned long long)st.st_size > CRL_MAX_BYTES) {
		log_warnx("--crl %s: %lld bytes (expected 1 to %u)", crlpath,
		          (long long)st.st_size, CRL_MAX_BYTES);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL) {
		log_warn("--crl %s: reading", crlpath);
		return NULL;
	}
	if (lseek(crlfd, 0, SEEK_SET) == -1) {
		log_warn("--crl %s: lseek", crlpath);
		free(buf);
		return NULL;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(crlfd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("--crl %s: read", crlpath);
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	b = BIO_new_mem_buf(buf, (int)len);
	crl = b != NULL ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(buf);
	if (crl == NULL) {
		log_openssl("--crl %s: not a PEM CRL", crlpath);
		return NULL;
	}
	for (i = 0; i < sk_X509_num(cas); i++) {
		X509 *ca = sk_X509_value(cas, i);

		if (X509_NAME_cmp(X509_get_subject_name(ca),
		                  X509_CRL_get_issuer(crl)) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1)
			break;
	}
	ERR_clear_error();
	if (i == sk_X509_num(cas)) {
		log_warnx("--crl %s: not signed by a --client-ca certificate",
		          crlpath);
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* A new store: the CAs and, with --crl, the CRL, checked for every client
 * certificate. Swapped into ctx (which frees the old one). */
static int
store_install(SSL_CTX *ctx, X509_CRL *crl)
{
	X509_STORE *st = X509_STORE_new();

	if (st == NULL)
		goto bad;
	for (int i = 0; i < sk_X509_num(cas); i++)
		if (!X509_STORE_add_cert(st, sk_X509_value(cas, i)))
			goto bad;
	if (crl != NULL && (!X509_STORE_add_crl(st, crl) ||
	                    !X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK)))
		goto bad;
	SSL_CTX_set_cert_store(ctx, st);
	return 0;
bad:
	log_openssl("building the client certificate store");
	X509_STORE_free(st);
	return -1;
}

static int
crl_load(SSL_CTX *ctx)
{
	X509_CRL *crl = crl_read();
	const ASN1_TIME *next;
	STACK_OF(X509_REVOKED) *rev;
	int days = 0, secs = 0, r;

	if (crl == NULL)
		return -1;
	r = store_install(ctx, crl);
	if (r == 0) {
		rev = X509_CRL_get_REVOKED(crl);
		log_info("--crl %s: %d revoked serial%s", crlpath,
		         rev ? sk_X509_REVOKED_num(rev) : 0,
		         rev && sk_X509_REVOKED_num(rev) == 1 ? "" : "s");
		next = X509_CRL_get0_nextUpdate(crl);
		if (next != NULL && ASN1_TIME_diff(&days, &secs, NULL, next) &&
		    (days < 0 || secs < 0))
			log_warnx("--crl %s: its next update was due %d days ago: "
			          "every client certificate is refused until a new "
			          "CRL is issued (pki.sh crl)", crlpath,
			          days < 0 ? -days : 0);
	}
	if (r == 0) {
		X509_CRL_free(cur);
		cur = crl;
	} else
		X509_CRL_free(crl);
	return r;
}

int
clientcert_setup(SSL_CTX *ctx, const char *ca, const char *crl)
{
	if (load_cas(ca) == -1)
		return -1;
	for (int i = 0; i < sk_X509_num(cas); i++)
		if (SSL_CTX_add_client_CA(ctx, sk_X509_value(cas, i)) != 1) {
			log_openssl("--client-ca: naming the CA to clients");
			return -1;
		}
	/* No certificate, or one that does not verify: no handshake. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
	                   NULL);
	if (crl == NULL)
		return store_install(ctx, NULL);
	crlpath = crl;
	crlfd = open(crl, O_RDONLY | O_CLOEXEC);
	if (crlfd == -1) {
		log_warn("--crl %s", crl);
		return -1;
	}
	return crl_load(ctx);
}

int
clientcert_signals(void)
{
	struct sigaction sa;

	if (crlfd == -1)
		return 0;   /* SIGHUP keeps stopping the server */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGHUP, &sa, NULL) == -1) {
		log_warn("sigaction(SIGHUP)");
		return -1;
	}
	return 0;
}

bool
clientcert_reload(SSL_CTX *ctx)
{
	if (!hup)
		return false;
	hup = 0;
	log_info("SIGHUP: rereading --crl %s", crlpath);
	if (crl_load(ctx) == -1) {
		log_warnx("--crl %s: kept the CRL read before", crlpath);
		return false;
	}
	return true;
}

bool
clientcert_revoked(SSL *ssl)
{
	X509 *x = SSL_get0_peer_certificate(ssl);
	X509_REVOKED *rev;

	return cur != NULL && x != NULL && X509_CRL_get0_by_cert(cur, &rev, x) == 1;
}

int
clientcert_user(SSL *ssl, char *user, size_t size)
{
	X509 *x = SSL_get0_peer_certificate(ssl);
	X509_NAME *nm;
	const ASN1_STRING *cn;
	int i;

	user[0] = '\0';
	if (x == NULL)
		return 0;   /* no --client-ca */
	nm = X509_get_subject_name(x);
	i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1);
	if (i < 0)
		return -1;
	cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
	if (cn == NULL || (size_t)ASN1_STRING_length(cn) >= size ||
	    !login_user_valid(ASN1_STRING_get0_data(cn),
	                      (size_t)ASN1_STRING_length(cn)))
		return -1;
	memcpy(user, ASN1_STRING_get0_data(cn), (size_t)ASN1_STRING_length(cn));
	user[ASN1_STRING_length(cn)] = '\0';
	return 0;
}

void
clientcert_free(void)
{
	sk_X509_pop_free(cas, X509_free);
	cas = NULL;
	X509_CRL_free(cur);
	cur = NULL;
	if (crlfd != -1)
		close(crlfd);
	crlfd = -1;
}
