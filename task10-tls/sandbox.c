/*
 * sandbox.c - the seccomp filter of the network-facing server process.
 *
 * Once set up and unprivileged, the server only moves bytes between
 * descriptors it already holds (accept, read, write, epoll), allocates
 * memory and reads the clock. Everything else - opening files, exec,
 * sockets of its own, ptrace, mount, changing credentials - is refused by
 * the kernel, so a bug that hands a client control of the process still
 * cannot reach the rest of the system through it.
 *
 * A call outside the list kills the process (SCMP_ACT_KILL_PROCESS): the
 * crash is loud (SIGSYS, "Bad system call" in the parent) rather than an
 * error path nobody tested. Sanitizer builds are different: AddressSanitizer
 * and LeakSanitizer need calls of their own when they report (LSan stops
 * the process with clone and ptrace at exit, ASan reads /proc/self/maps),
 * so those are allowed too, and anything else fails with EPERM instead of
 * killing, so that a report is never lost to the filter.
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/socket.h>

#include "minivpn.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZERS 1
#endif
#endif

/* What the event loop, OpenSSL, malloc and stdio use. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(listen),   /* listening again after full (drain.c) */
	SCMP_SYS(accept4), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),
	SCMP_SYS(getpeername), SCMP_SYS(getsockname), SCMP_SYS(fcntl),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	SCMP_SYS(mprotect), SCMP_SYS(brk),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(getrandom), SCMP_SYS(futex), SCMP_SYS(getpid),
	SCMP_SYS(gettid), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(lseek),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(exit), SCMP_SYS(exit_group),
};

#ifdef SANDBOX_SANITIZERS
/* What the sanitizers' reports and LeakSanitizer's exit check use. */
static const int sanitizer_allowed[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(getdents), SCMP_SYS(getdents64), SCMP_SYS(pread64),
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(wait4), SCMP_SYS(ptrace),
	SCMP_SYS(prctl), SCMP_SYS(sched_yield), SCMP_SYS(sigaltstack),
	SCMP_SYS(rt_sigaction), SCMP_SYS(tgkill), SCMP_SYS(kill),
	SCMP_SYS(getppid), SCMP_SYS(sched_getaffinity), SCMP_SYS(setrlimit),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(pipe2),
	SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(uname), SCMP_SYS(ioctl),
	SCMP_SYS(process_vm_readv),
};
#endif

/* syslog: log lines go to syslog(3), which reconnects to /dev/log (a new
 * AF_UNIX socket) when syslogd restarted: allow exactly that. */
int
sandbox_server(bool syslog)
{
	uint32_t deflt = SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx f;
	size_t i;
	int r;

#ifdef SANDBOX_SANITIZERS
	deflt = SCMP_ACT_ERRNO(EPERM);
#endif
	f = seccomp_init(deflt);
	if (f == NULL) {
		log_warnx("seccomp_init failed");
		return -1;
	}
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, allowed[i], 0)) < 0)
			goto bad;
#ifdef SANDBOX_SANITIZERS
	for (i = 0; i < sizeof(sanitizer_allowed) / sizeof(sanitizer_allowed[0]);
	     i++)
		if ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, sanitizer_allowed[i],
		                          0)) < 0)
			goto bad;
#endif
	if (syslog &&
	    ((r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	                           SCMP_A0(SCMP_CMP_EQ, AF_UNIX))) < 0 ||
	     (r = seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(connect), 0)) < 0))
		goto bad;
	if ((r = seccomp_load(f)) < 0) {
		errno = -r;
		log_warn("loading the seccomp filter");
		seccomp_release(f);
		return -1;
	}
	seccomp_release(f);
	log_info("seccomp filter on: %zu system calls allowed%s",
	         sizeof(allowed) / sizeof(allowed[0]),
#ifdef SANDBOX_SANITIZERS
	         " (and the sanitizers' own; others fail with EPERM)"
#else
	         ", others kill the process"
#endif
	        );
	return 0;
bad:
	errno = -r;
	log_warn("adding a seccomp rule");
	seccomp_release(f);
	return -1;
}
