/*
 * conffile.c - the configuration file of minivpn-server and minivpn-client.
 *
 * One `key = value` per line, the keys being the programs' long option
 * names (`route = 10.20.0.0/16`, `mtu = 1400`); an option without a value
 * is a key alone (`verbose`) or `key = yes`. Blank lines and lines whose
 * first non-blank character is '#' are ignored; there are no trailing
 * comments, because a '#' may be part of a path. Options that may repeat
 * on the command line (`route`) may repeat here; any other key given twice
 * is an error, so that an admin never wonders which of two lines counts.
 *
 * The file is only parsed here: each entry is handed back as (option
 * value, argument, line) and the program applies it with the same code as
 * its command-line option, so a value means the same in both places. The
 * first bad line stops the parse with "FILE:LINE: what was expected".
 * Options about the invocation itself (config, check-config, help,
 * version) and the requests to a running server (status, disconnect,
 * drain) have no place in a file: a "drain" line would make every start a
 * drain request.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minivpn.h"

#define CONF_LINE_MAX 1024   /* a path or an address fits many times over */
#define CONF_ENTRIES_MAX 256

static const char *const invocation_only[] = {
	"config", "check-config", "help", "version",
	"status", "disconnect", "drain", NULL,
};

static int conf_error(struct conffile *cf, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conf_error(struct conffile *cf, unsigned line, const char *fmt, ...)
{
	char msg[sizeof(cf->err) - 128];   /* room for the path and line */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(cf->err, sizeof(cf->err), "%.100s:%u: %s", cf->path, line, msg);
	else
		snprintf(cf->err, sizeof(cf->err), "%.100s: %s", cf->path, msg);
	return -1;
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static const struct option *
find_option(const struct option *opts, const char *name)
{
	for (; opts->name != NULL; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

/* One line (NUL-terminated, no newline): an entry, nothing, or an error. */
static int
parse_line(struct conffile *cf, unsigned lineno, char *line,
           const struct option *opts, const char *const *repeatable)
{
	const struct option *o;
	struct conf_entry *e;
	char *key, *value = NULL, *eq, *p;
	size_t i;

	key = trim(line);
	if (*key == '\0' || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (eq != NULL) {
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
	}
	for (p = key; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return conf_error(cf, lineno, "expected 'key = value', "
			                  "the key in lower case letters, digits and '-'");
	if (*key == '\0')
		return conf_error(cf, lineno, "expected a key before '='");
	if (in_list(invocation_only, key))
		return conf_error(cf, lineno, "'%s' is a command-line option only", key);
	o = find_option(opts, key);
	if (o == NULL) {
		if (strstr(key, "password") != NULL)
			return conf_error(cf, lineno, "unknown key '%s' (a password "
			                  "never goes in this file: name a file "
			                  "holding it with password-file)", key);
		return conf_error(cf, lineno, "unknown key '%s' (see --help for "
		                  "the option names)", key);
	}
	if (o->has_arg == no_argument) {
		if (value != NULL && strcmp(value, "yes") != 0)
			return conf_error(cf, lineno, "'%s' takes no value (write "
			                  "'%s' alone or '%s = yes')", key, key, key);
		value = NULL;
	} else if (value == NULL || *value == '\0') {
		return conf_error(cf, lineno, "expected '%s = VALUE'", key);
	}
	for (i = 0; i < cf->n; i++)
		if (cf->e[i].val == o->val && !in_list(repeatable, key))
			return conf_error(cf, lineno, "'%s' is already set on line %u",
			                  key, cf->e[i].line);
	if (cf->n == CONF_ENTRIES_MAX)
		return conf_error(cf, lineno, "more than %d settings", CONF_ENTRIES_MAX);
	e = &cf->e[cf->n];
	e->val = o->val;
	e->line = lineno;
	e->name = o->name;
	e->arg = NULL;
	if (value != NULL && (e->arg = strdup(value)) == NULL)
		return conf_error(cf, lineno, "out of memory");
	cf->n++;
	return 0;
}

int
conffile_parse(struct conffile *cf, const char *path, const char *text,
               size_t len, const struct option *opts,
               const char *const *repeatable)
{
	char line[CONF_LINE_MAX + 1];
	unsigned lineno = 0;
	size_t pos = 0, n;
	const char *nl;

	memset(cf, 0, sizeof(*cf));
	cf->path = path;
	cf->e = calloc(CONF_ENTRIES_MAX, sizeof(*cf->e));
	if (cf->e == NULL)
		return conf_error(cf, 0, "out of memory");
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > CONF_LINE_MAX)
			return conf_error(cf, lineno, "line longer than %d bytes",
			                  CONF_LINE_MAX);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		if (strlen(line) != n)
			return conf_error(cf, lineno, "a NUL byte: not a text file");
		if (parse_line(cf, lineno, line, opts, repeatable) == -1)
			return -1;
		pos += n + (nl != NULL);
	}
	return 0;
}

int
conffile_load(struct conffile *cf, const char *path, const struct option *opts,
              const char *const *repeatable)
{
	/* A config file is small; more than this is not one. */
	enum { CONF_FILE_MAX = 256 * 1024 };
	char *text;
	size_t len;
	FILE *f;
	int ret;

	memset(cf, 0, sizeof(*cf));
	cf->path = path;
	f = fopen(path, "re");
	if (f == NULL)
		return conf_error(cf, 0, "cannot open: %s", strerror(errno));
	text = malloc(CONF_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return conf_error(cf, 0, "out of memory");
	}
	len = fread(text, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f)) {
		ret = conf_error(cf, 0, "read error: %s", strerror(errno));
	} else if (len > CONF_FILE_MAX) {
		ret = conf_error(cf, 0, "larger than %d bytes: not a config file",
		                 CONF_FILE_MAX);
	} else {
		ret = conffile_parse(cf, path, text, len, opts, repeatable);
	}
	free(text);
	fclose(f);
	return ret;
}

void
conffile_free(struct conffile *cf)
{
	size_t i;

	for (i = 0; cf->e != NULL && i < cf->n; i++)
		free(cf->e[i].arg);
	free(cf->e);
	cf->e = NULL;
	cf->n = 0;
}

/*
 * The value of --config in argv (as "--config FILE" or "--config=FILE"),
 * or NULL. Looked up before getopt runs, because the file's settings must
 * be applied first for the command line to override them.
 */
const char *
conffile_arg(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			return argv[i + 1];
		if (strncmp(argv[i], "--config=", 9) == 0)
			return argv[i] + 9;
	}
	return NULL;
}

/*
 * The options of a program, from its config file and its command line:
 * the file named by --config first, each entry applied as "FILE:LINE: key",
 * then getopt_long() over argv, each option applied as "--key", so that the
 * command line overrides the file. `from_file` tells apply which of the two
 * it is being given (the server's routes on the command line replace the
 * file's). apply reports a bad value itself (fatalx); a file that does not
 * parse, or a --config that conffile_arg() did not see (abbreviated as
 * --conf, or a second one), ends the program here with exit status 1.
 *
 * The values handed to apply point into cf and into argv: cf must outlive
 * the options (the callers' is static). Returns optind, the first argument
 * that is not an option: the caller refuses strays in its own words.
 */
int
conffile_parse_args(struct conffile *cf, int argc, char **argv,
                    const char *shortopts, const struct option *longopts,
                    const char *const *repeatable,
                    void (*apply)(void *ctx, int c, const char *arg,
                                  const char *what, bool from_file),
                    void *ctx)
{
	const struct option *config = find_option(longopts, "config");
	const char *path = conffile_arg(argc, argv);
	char what[sizeof(cf->err)];
	size_t i;
	int c;

	if (path != NULL) {
		if (conffile_load(cf, path, longopts, repeatable) == -1)
			fatalx("%s", cf->err);
		for (i = 0; i < cf->n; i++) {
			snprintf(what, sizeof(what), "%s:%u: %s", path, cf->e[i].line,
			         cf->e[i].name);
			apply(ctx, cf->e[i].val, cf->e[i].arg, what, true);
		}
	}
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *name = "";

		for (i = 0; longopts[i].name != NULL; i++)
			if (longopts[i].val == c)
				name = longopts[i].name;
		snprintf(what, sizeof(what), "--%s", name);
		/* conffile_arg() read the first --config spelled out; getopt
		 * also takes an abbreviation (--conf) or a second one, whose
		 * file would be ignored without a word */
		if (config != NULL && c == config->val && optarg != path)
			fatalx("--config %s: give --config once, spelled out in full",
			       optarg);
		apply(ctx, c, optarg, what, false);
	}
	return optind;
}
