#!/usr/bin/env bash
# install.sh - make install / uninstall of the TLS VPN, and what an admin
# does with the installed programs, without a lab (a few seconds):
#
#   make install DESTDIR=T      the layout: programs, man pages, units, examples
#   man -l                      each man page renders, without warnings
#   systemd-analyze verify      the units (with PREFIX=P, so that their
#                               ExecStart= programs exist), when it is there
#   the installed programs      --version; minivpn-pki refuses to replace a
#                               CA; minivpn-passwd adds a user; the example
#                               configs, filled in, pass --check-config; a
#                               bad line is refused with FILE:LINE
#   make uninstall              leaves nothing behind
#
# Prints one PASS/FAIL line per assertion, NOTE lines for what could not
# run, and "install: N passed, M failed".
#
#   tests/install.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
np=0 nf=0
pass() { echo "PASS install: $*"; np=$((np + 1)); }
fail() { echo "FAIL install: $*"; nf=$((nf + 1)); }
note() { echo "NOTE install: $*"; }
finish() { rm -rf "$T"; echo "install: $np passed, $nf failed"; [ "$nf" = 0 ]; exit; }
T=$(mktemp -d /tmp/vpnlab-install.XXXXXX) || exit 2
trap 'rm -rf "$T"' EXIT
LOG=$T/log
D=$T/dest                      # DESTDIR
P=/usr/local

# ---- layout ------------------------------------------------------------------------
if make -s --no-print-directory install PREFIX=$P DESTDIR="$D" >"$LOG" 2>&1; then
	pass "make install PREFIX=$P DESTDIR=... succeeds"
else
	fail "make install failed: $(tail -3 "$LOG" | tr '\n' ' ')"
	finish
fi
# path mode
expected="sbin/minivpn-server 755
sbin/minivpn-client 755
sbin/minivpn-passwd 755
sbin/minivpn-pki 755
share/man/man8/minivpn-server.8 644
share/man/man8/minivpn-client.8 644
share/man/man8/minivpn-passwd.8 644
share/man/man5/minivpn.conf.5 644
lib/systemd/system/minivpn-server@.service 644
lib/systemd/system/minivpn-client@.service 644
share/doc/minivpn/server.conf 644
share/doc/minivpn/client.conf 644"
while read -r f mode; do
	if [ -f "$D$P/$f" ] && [ "$(stat -c %a "$D$P/$f")" = "$mode" ]; then
		pass "layout: $P/$f, mode $mode"
	else
		fail "layout: $P/$f missing or not mode $mode ($(stat -c %a "$D$P/$f" 2>&1))"
	fi
done <<<"$expected"
extra=$(cd "$D" && find . -type f | sed 's|^\.||' | sort | comm -23 - <(sed "s|^|$P/|; s| .*||" <<<"$expected" | sort))
if [ -z "$extra" ]; then pass "layout: nothing installed beyond the list"
else fail "layout: unexpected files: $extra"; fi
for u in server client; do
	f=$D$P/lib/systemd/system/minivpn-$u@.service
	if grep -qE "^ExecStart=$P/sbin/minivpn-$u --config /etc/minivpn/%i.conf( |$)" "$f" 2>/dev/null; then
		pass "units: minivpn-$u@.service runs $P/sbin/minivpn-$u with /etc/minivpn/NAME.conf"
	else
		fail "units: minivpn-$u@.service has no ExecStart of $P/sbin/minivpn-$u --config /etc/minivpn/%i.conf"
	fi
	for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
		'DeviceAllow=/dev/net/tun rw' 'CapabilityBoundingSet=CAP_NET_ADMIN '; do
		grep -q "^$k" "$f" 2>/dev/null || { fail "units: minivpn-$u@.service lacks $k"; continue 2; }
	done
	pass "units: minivpn-$u@.service is hardened (NoNewPrivileges, ProtectSystem=strict, ProtectHome, PrivateTmp, DeviceAllow tun, a capability bounding set)"
done

# ---- man pages -----------------------------------------------------------------------
if ! command -v man >/dev/null; then
	fail "man: not installed, the pages cannot be rendered (apt-get install --no-install-recommends man-db groff-base, or make deps)"
else
	for m in man8/minivpn-server.8 man8/minivpn-client.8 man8/minivpn-passwd.8 man5/minivpn.conf.5; do
		name=${m#*/}; name=${name%.*}
		out=$T/${m#*/}.txt
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$D$P/share/man/$m" >"$out" 2>"$out.err"
		if [ -s "$out.err" ]; then
			fail "man: $m renders with warnings: $(head -2 "$out.err" | tr '\n' ' ')"
		elif grep -q '^NAME' "$out" && grep -q "^ *$name - " "$out" && grep -q '^SEE ALSO' "$out"; then
			pass "man: $m renders with man -l ($(wc -l <"$out") lines, NAME and SEE ALSO)"
		else
			fail "man: $m did not render a NAME line '$name - ...': $(head -3 "$out" | tr '\n' ' ')"
		fi
	done
fi

# ---- the units, verified ----------------------------------------------------------------
# systemd-analyze verify checks that ExecStart= programs exist: install for
# real into a prefix of our own, and verify an instance of each template.
if ! command -v systemd-analyze >/dev/null; then
	note "systemd-analyze is not installed: the units were not verified (not run, not a pass)"
elif ! make -s --no-print-directory install PREFIX="$T/pfx" >"$LOG" 2>&1; then
	fail "make install PREFIX=$T/pfx failed: $(tail -2 "$LOG" | tr '\n' ' ')"
else
	for u in server client; do
		dir=$T/pfx/lib/systemd/system
		ln -s "minivpn-$u@.service" "$dir/minivpn-$u@test.service"
		if (cd "$dir" && MANPATH=$T/pfx/share/man systemd-analyze verify "./minivpn-$u@test.service") >"$LOG" 2>&1 &&
		   [ ! -s "$LOG" ]; then
			pass "systemd-analyze verify minivpn-$u@test.service: no error, no warning"
		else
			fail "systemd-analyze verify minivpn-$u@test.service: $(head -3 "$LOG" | tr '\n' ' ')"
		fi
	done
fi

# ---- the installed programs --------------------------------------------------------------
S=$D$P/sbin
for p in minivpn-server minivpn-client minivpn-passwd; do
	if "$S/$p" --version 2>&1 | grep -qE "^$p [0-9]+\.[0-9]+"; then pass "$p --version"
	else fail "$p --version does not print '$p X.Y': $("$S/$p" --version 2>&1 | head -1)"; fi
done

# minivpn-pki: a CA, then no second one over it.
if (cd "$T" && "$S/minivpn-pki" --name vpn.example.org >"$LOG" 2>&1) && [ -f "$T/pki/ca.key" ]; then
	pass "minivpn-pki makes a CA and server certificate in ./pki"
	sum=$(sha256sum <"$T/pki/ca.crt")
	(cd "$T" && "$S/minivpn-pki" --name other.example.org >"$LOG" 2>&1); rc=$?
	if [ "$rc" != 0 ] && [ "$(sha256sum <"$T/pki/ca.crt")" = "$sum" ] && grep -q 'already has a CA' "$LOG"; then
		pass "minivpn-pki refuses to replace the CA (exit $rc, ca.crt unchanged)"
	else
		fail "minivpn-pki run again: exit $rc, ca.crt $( [ "$(sha256sum <"$T/pki/ca.crt")" = "$sum" ] && echo unchanged || echo REPLACED): $(tail -1 "$LOG")"
	fi
	if (cd "$T" && "$S/minivpn-pki" issue-server vpn2.example.org >"$LOG" 2>&1) &&
	   openssl verify -CAfile "$T/pki/ca.crt" "$T/pki/vpn2.example.org.crt" >>"$LOG" 2>&1 &&
	   [ "$(sha256sum <"$T/pki/ca.crt")" = "$sum" ]; then
		pass "minivpn-pki issue-server: a second server certificate from the same CA"
	else
		fail "minivpn-pki issue-server: $(tail -1 "$LOG")"
	fi
else
	fail "minivpn-pki did not make a CA: $(tail -1 "$LOG")"
fi

# minivpn-passwd: a user from stdin, the file mode 0600, a yescrypt hash.
# shellcheck disable=SC2016  # a literal '$y$' (yescrypt), no expansion
if echo "pw-$$-alice" | "$S/minivpn-passwd" "$T/users" add alice >"$LOG" 2>&1 &&
   grep -qE '^alice:\$y\$[^:]+:[0-9]+:0:99999:7:::$' "$T/users" &&
   [ "$(stat -c %a "$T/users")" = 600 ]; then
	pass "minivpn-passwd add: a yescrypt line for alice, mode 0600"
else
	fail "minivpn-passwd add: $(tail -1 "$LOG"); $(cut -d: -f1,3- "$T/users" 2>&1)"
fi
if ! grep -q "pw-$$-alice" "$T/users" "$LOG"; then pass "minivpn-passwd: the password is in neither the file nor the output"
else fail "minivpn-passwd: the password appears in clear"; fi

# On a terminal: asked twice, echo off; two different answers change nothing.
cat >"$T/passwd_pty.py" <<'EOP'
# Runs PROG PATH add USER on a pseudo-terminal and answers its two prompts.
import os, pty, sys, time
prog, path, user, first, second = sys.argv[1:6]
pid, fd = pty.fork()
if pid == 0:
    os.execv(prog, [prog, path, "add", user])
out = b""
def read_until(pred, secs):
    global out
    end = time.time() + secs
    while not pred() and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            return
for i, answer in enumerate((first, second)):
    read_until(lambda: out.count(b"Password for") > i, 5)
    os.write(fd, answer.encode() + b"\n")
read_until(lambda: False, 1)    # what it says last, until it exits
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.WEXITSTATUS(st))
EOP
if command -v python3 >/dev/null; then
	python3 "$T/passwd_pty.py" "$S/minivpn-passwd" "$T/users" bob "pw-$$-bob" "pw-$$-bob" >"$T/pty.out" 2>&1; rc=$?
	if [ "$rc" = 0 ] && [ "$(grep -c 'Password for bob' "$T/pty.out")" = 2 ] &&
	   ! grep -q "pw-$$-bob" "$T/pty.out" && grep -q '^bob:[$]y[$]' "$T/users"; then
		pass "minivpn-passwd on a terminal: asks twice, the password not echoed, bob added"
	else
		fail "minivpn-passwd on a terminal: exit $rc: $(tr '\r\n' '  ' <"$T/pty.out" | cut -c1-200)"
	fi
	python3 "$T/passwd_pty.py" "$S/minivpn-passwd" "$T/users" carol "pw-$$-1" "pw-$$-2" >"$T/pty.out" 2>&1; rc=$?
	if [ "$rc" = 1 ] && grep -q 'differ' "$T/pty.out" && ! grep -q '^carol:' "$T/users"; then
		pass "minivpn-passwd on a terminal: two different answers, nothing changed (exit 1)"
	else
		fail "minivpn-passwd with two different answers: exit $rc, carol $(grep -c '^carol:' "$T/users") line(s)"
	fi
	# bob stays out of the way of the checks below
	"$S/minivpn-passwd" "$T/users" del bob >/dev/null 2>&1
else
	note "no python3: minivpn-passwd on a terminal was not tried (not run, not a pass)"
fi

# The example configs, filled in with these files, pass --check-config.
sed -e "s|^cert = .*|cert = $T/pki/server.crt|" -e "s|^key = .*|key = $T/pki/server.key|" \
    -e "s|^shadow = .*|shadow = $T/users|" "$D$P/share/doc/minivpn/server.conf" >"$T/server.conf"
echo "pw-$$-alice" >"$T/alice.password"; chmod 600 "$T/alice.password"
sed -e "s|^ca-file = .*|ca-file = $T/pki/ca.crt|" -e "s|^password-file = .*|password-file = $T/alice.password|" \
    "$D$P/share/doc/minivpn/client.conf" >"$T/client.conf"
for p in server client; do
	if "$S/minivpn-$p" --config "$T/$p.conf" --check-config >"$LOG" 2>&1 && grep -q 'configuration OK' "$LOG"; then
		pass "the example $p.conf, filled in, passes minivpn-$p --check-config"
	else
		fail "the example $p.conf: minivpn-$p --check-config: $(tail -1 "$LOG")"
	fi
done
# A bad line: refused with FILE:LINE, exit 1.
{ grep -v '^mtu' "$T/server.conf"; echo "mtu = 20000"; } >"$T/bad.conf"
n=$(wc -l <"$T/bad.conf")
"$S/minivpn-server" --config "$T/bad.conf" --check-config >"$LOG" 2>&1; rc=$?
if [ "$rc" = 1 ] && grep -q "$T/bad.conf:$n: mtu: '20000' is not a number from 576 to 9000" "$LOG"; then
	pass "--check-config refuses an out-of-range mtu with FILE:LINE (exit 1)"
else
	fail "--check-config on a bad mtu line $n: exit $rc: $(tail -1 "$LOG")"
fi
# An abbreviated --config (getopt takes --conf) must not drop the file.
"$S/minivpn-server" --conf "$T/bad.conf" --check-config >"$LOG" 2>&1; rc=$?
if [ "$rc" != 0 ] && grep -q -- "--config $T/bad.conf" "$LOG"; then
	pass "--conf FILE (an abbreviation) is refused, not read as no file (exit $rc)"
else
	fail "--conf $T/bad.conf --check-config: exit $rc: $(tail -1 "$LOG")"
fi
# The command line overrides the file.
if "$S/minivpn-server" --config "$T/bad.conf" --check-config --mtu 1400 >"$LOG" 2>&1; then
	fail "--mtu on the command line was accepted over a bad file line (the file must still be valid)"
else
	pass "a bad file line is refused even when the command line sets the same option"
fi
grep -v '^mtu' "$T/server.conf" >"$T/ok.conf"; echo "mtu = 1400" >>"$T/ok.conf"
"$S/minivpn-server" --config "$T/ok.conf" --check-config --route 10.1.0.0/16 --route 10.2.0.0/16 >"$LOG" 2>&1
if grep -q '2 route(s)' "$LOG"; then pass "routes on the command line replace the file's (2 routes, not 3)"
else fail "routes on the command line with a file's route: $(tail -1 "$LOG")"; fi
# A malformed shadow line is named at start-up (and fails --check-config).
# shellcheck disable=SC2016  # a literal hash
echo 'bob:$y$j9T$abc' >>"$T/users"
"$S/minivpn-server" --config "$T/server.conf" --check-config >"$LOG" 2>&1; rc=$?
if [ "$rc" = 1 ] && grep -q "$T/users:2: malformed line.*'bob'" "$LOG" && ! grep -q 'abc' "$LOG"; then
	pass "a malformed shadow line is logged with its number (line 2, user bob, no hash)"
else
	fail "a malformed shadow line: exit $rc: $(tail -1 "$LOG")"
fi

# ---- logs: stamped on stderr, the journal's prefix under systemd, syslog -----------------
# The same message each way: "configuration OK ..." from --check-config.
grep -v '^shadow' "$T/ok.conf" >"$T/log.conf"
"$S/minivpn-server" --config "$T/log.conf" --check-config 2>"$T/stamped.log"
msg=$(sed -nE 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{4} minivpn-server: (configuration OK.*)/\1/p' "$T/stamped.log")
if [ -n "$msg" ]; then pass "logs: on stderr, a time stamp before 'minivpn-server: $msg'"
else fail "logs: no time-stamped line on stderr: $(head -1 "$T/stamped.log")"; fi
: >"$T/journal.log"
js=$(stat -c '%d:%i' "$T/journal.log")
JOURNAL_STREAM=$js "$S/minivpn-server" --config "$T/log.conf" --check-config 2>>"$T/journal.log"
if [ -n "$msg" ] && grep -qxF "<6>$msg" "$T/journal.log"; then
	pass "logs: under systemd (stderr is JOURNAL_STREAM) the same line with the journal's priority <6>, no stamp"
else
	fail "logs: with JOURNAL_STREAM: $(head -1 "$T/journal.log") (expected '<6>$msg')"
fi
# syslog: /dev/log is ours in a mount namespace (a user namespace when not root).
cat >"$T/syslogd.py" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1], "w").close()
s.settimeout(5)
with open(sys.argv[2], "wb") as f:
    f.write(s.recv(4096))
EOP
touch "$T/null"
# shellcheck disable=SC2016  # the inner shell expands its own $1..$4
if command -v python3 >/dev/null && unshare -Urm true 2>/dev/null; then
	unshare -Urm bash -c 'mount --bind /dev/null "$1/null" && mount -t tmpfs none /dev &&
		touch /dev/null && mount --bind "$1/null" /dev/null || exit 1
		python3 "$1/syslogd.py" "$1/ready" "$1/syslog.msg" & p=$!
		for _ in $(seq 50); do [ -e "$1/ready" ] && break; sleep 0.1; done
		"$2" --config "$3" --check-config --syslog 2>"$1/syslog-stderr.log"
		wait $p' sh "$T" "$S/minivpn-server" "$T/log.conf" >"$LOG" 2>&1
	# <30> = daemon.info; the ident and pid, then the message
	got=$(sed -nE 's/^<30>[^]]* minivpn-server\[[0-9]+\]: //p' "$T/syslog.msg" 2>/dev/null)
	if [ -n "$msg" ] && [ "$got" = "$msg" ] && [ ! -s "$T/syslog-stderr.log" ]; then
		pass "logs: --syslog sends the same line to syslog (daemon.info, ident minivpn-server), nothing on stderr"
	else
		fail "logs: --syslog: got '$(cat "$T/syslog.msg" 2>/dev/null)' on /dev/log, '$(head -1 "$T/syslog-stderr.log" 2>/dev/null)' on stderr $(tail -1 "$LOG")"
	fi
else
	note "no python3 or no user namespace: --syslog was not tried (not run, not a pass)"
fi

# ---- uninstall ---------------------------------------------------------------------------------
if make -s --no-print-directory uninstall PREFIX=$P DESTDIR="$D" >"$LOG" 2>&1 &&
   [ -z "$(find "$D" -type f)" ]; then
	pass "make uninstall removes every installed file"
else
	fail "make uninstall left: $(find "$D" -type f | head -5 | tr '\n' ' ') $(tail -1 "$LOG")"
fi
finish
