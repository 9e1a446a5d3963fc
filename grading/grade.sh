#!/usr/bin/env bash
# grade.sh - score the kit's own programs, or one student's tree, task by task.
#
#   grading/grade.sh [--submission DIR|ARCHIVE] [--tasks "task1 task2"]
#                    [-o OUTDIR] [--student NAME]
#
# Without --submission it grades the kit's own build (build/san/bin). With
# it, DIR is a student's tree that keeps the task contracts (the handout
# with their code in it), or an archive of one (.tar, .tar.gz, .tgz, and
# .zip when unzip is installed):
#
#   1. DIR is copied (by the grading user) to a scratch directory (without
#      build/, out/, .git), or the archive unpacked there by the grading
#      user (grading/unpack.sh: no member outside the tree, no link out of
#      it); a tree one level too deep (handout/ inside alice/) is graded
#      from where its Makefile is, with a note; a HANDOUT file is added if
#      missing (the handout's warning flags, for every submission alike).
#      It is built with its own Makefile, `make -k SAN=1 programs`, under a
#      time limit, with no network (unshare -rn) and as the grading user;
#   2. every task's check is the KIT's check.sh (never the student's: the
#      student may have changed it, the lab or the verifier), run with
#      BIN=the student's programs and KIT_BIN=the kit's own tools, both from
#      a snapshot in the scratch directory, under a time limit. The only
#      student files the judge takes are the scripts the table lists in
#      its "files" column (a check runs them): missing in the tree, the
#      check fails;
#   3. after each step, every process of the grading user is killed, so one
#      student's program cannot cost the next one anything.
#
# The student's name: --student, else the first line of a STUDENT file in
# the tree, else the directory's or the archive's name.
#
# As root, the build and the checks run as an unprivileged user
# (GRADE_USER, default vpngrader, created if missing), each in a private
# mount namespace (grading/sandbox.sh) with fresh /tmp, /var/tmp, /dev/shm
# and the kit's tree and the other submissions hidden: the lab then lives
# in a user namespace (lab/lab.sh) and student code has no power over the
# machine. Root never opens a path inside the student's scratch directory:
# logs are root's, and every copy out of it is made by the grading user.
# As a normal user the build and checks run as that user, unsandboxed.
# One grader at a time per grading user (grade-all -j N gives each its
# own); --setup-user only creates GRADE_USER and exits.
#
# The tasks, their points, check counts, time limits and caps come from the
# task table lab/tasks.conf. A task scores points * passed / checks; one
# with a failed critical assertion ("FAIL taskN: [critical] ...") at most
# cap * points. Writes, in OUTDIR (default out/grade): grade.txt (the table
# and every failed check: what a student is handed back), grade.json,
# grade.csv (one header, one row), build.log, TASK.log (each check's
# output, its paths rewritten to cite OUTDIR) and TASK/ (its logs and
# captures).
#
# Environment: GRADE_TASKS_CONF (another task table), GRADE_BUILD_TIMEOUT
# (600 s), GRADE_CHECK_TIMEOUT (300 s, unless the table says),
# GRADE_KILL_AFTER (10 s: SIGKILL that long after SIGTERM), GRADE_USER,
# GRADE_KEEP=1 (keep the scratch directory), GRADE_TMP (where scratch
# directories go, /tmp), GRADE_TMPFS_SIZE (the sandbox's /tmp, /var/tmp,
# /dev/shm: 512m each), GRADE_HIDE (more directories to hide from student
# code, space-separated).
# shellcheck disable=SC2016 # bash -c '...' scripts get their arguments as $1...
set -uo pipefail
export LC_ALL=C

KIT=$(cd "$(dirname "$0")/.." && pwd)
TABLE=${GRADE_TASKS_CONF:-$KIT/lab/tasks.conf}
TABLE_NAME=${TABLE#"$KIT"/}
BUILD_TIMEOUT=${GRADE_BUILD_TIMEOUT:-600}
CHECK_TIMEOUT=${GRADE_CHECK_TIMEOUT:-300}
KILL_AFTER=${GRADE_KILL_AFTER:-10}
GRADE_USER=${GRADE_USER:-vpngrader}
KIT_BUILD=${GRADE_KIT_BUILD:-$KIT/build/san}
GRADE_TMP=${GRADE_TMP:-/tmp}
NPROC_LIMIT=${GRADE_NPROC_LIMIT:-1024}        # processes + threads of the grading user
FSIZE_LIMIT=${GRADE_FSIZE_LIMIT:-1048576}     # KiB: no file written may grow past 1 GiB
TMPFS_SIZE=${GRADE_TMPFS_SIZE:-512m}
DEFAULT_CAP=0.5                               # a task with a failed critical check: at most half
KEEP_MAX=50M                                  # larger logs/captures are not kept
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "grade: $*" >&2; exit 2; }
say() { echo "grade: $*" >&2; }

usage() {
	sed -n '2,/^set -uo/p' "$0" | sed '$d' | grep -v '^# shellcheck' | sed 's/^# \{0,1\}//' >&2
	exit 2
}

submission='' tasks_wanted='' outdir=$KIT/out/grade student='' setup_user=0
while [ $# -gt 0 ]; do
	case $1 in
	--submission) submission=${2:?--submission takes a directory or an archive}; shift 2 ;;
	--setup-user) setup_user=1; shift ;;
	--tasks) tasks_wanted=${2?--tasks takes a list}; shift 2 ;;
	-o) outdir=${2:?-o takes a directory}; shift 2 ;;
	--student) student=${2:?--student takes a name}; shift 2 ;;
	-h | --help) usage ;;
	*) echo "grade: unknown argument '$1'" >&2; usage ;;
	esac
done
case $outdir in /*) ;; *) outdir=$PWD/$outdir ;; esac
# A submission is a directory or an archive (.tar, .tar.gz, .tgz, .zip);
# the student's name: --student, else the first line of a STUDENT file at
# the top of the tree (or of the directory it is nested in), else the
# directory's or the archive's name.
archive=
student_from=
if [ -n "$submission" ]; then
	if [ -d "$submission" ]; then
		submission=$(cd "$submission" && pwd)
		default_name=$(basename "$submission")
	elif [ -f "$submission" ]; then
		submission=$(cd "$(dirname "$submission")" && pwd)/$(basename "$submission")
		case $submission in
		*.tar) archive=tar default_name=$(basename "$submission" .tar) ;;
		*.tar.gz) archive=tar default_name=$(basename "$submission" .tar.gz) ;;
		*.tgz) archive=tar default_name=$(basename "$submission" .tgz) ;;
		*.zip)
			command -v unzip >/dev/null ||
				die "'$submission' is a zip archive and unzip is not installed: install it (apt-get install unzip) or unpack it by hand"
			archive=zip default_name=$(basename "$submission" .zip) ;;
		*) die "submission '$submission' is neither a directory nor an archive (.tar, .tar.gz, .tgz, .zip)" ;;
		esac
	else
		die "submission '$submission' is not a directory or an archive"
	fi
	if [ -n "$student" ]; then student_from="given (--student)"
	elif [ -n "$archive" ]; then student=$default_name student_from="the archive's name"
	else student=$default_name student_from="the directory's name"
	fi
else
	student=${student:-kit}
fi

# ---- the task table -----------------------------------------------------------

# lab/tasks.conf (lab/tasks.sh reads it): per task its directory, points,
# the number of checks of a full run, the time limit, the cap, the
# student's programs the check runs from $BIN, the kit's tools it runs
# from $KIT_BIN, and the scripts the student writes that it runs.
# shellcheck source=../lab/tasks.sh
. "$KIT/lab/tasks.sh" || die "cannot read $KIT/lab/tasks.sh"
tasks_load "$TABLE" || die "the task table $TABLE is not usable (see above)"
declare -a ORDER=("${TASKS[@]}") STUDENT_FILES=()
declare -A WEIGHT=() NCHECKS=() TLIMIT=() CAP=()
for t in "${ORDER[@]}"; do
	WEIGHT[$t]=${TASK_POINTS[$t]}
	NCHECKS[$t]=${TASK_CHECKS[$t]}
	TLIMIT[$t]=${TASK_TIMEOUT[$t]}
	[ "${TLIMIT[$t]}" = - ] && TLIMIT[$t]=$CHECK_TIMEOUT
	CAP[$t]=${TASK_CAP[$t]:--}
	[ "${CAP[$t]}" = - ] && CAP[$t]=$DEFAULT_CAP
	for f in ${TASK_FILES[$t]}; do
		# a check itself is never the student's
		if [[ $f == *check*.sh ]] || [[ $f == .* ]]; then
			die "$TABLE_NAME: $t: '$f' cannot be a student's file (a check, or a hidden file)"
		fi
		STUDENT_FILES+=("$t ${TASK_DIR[$t]}/$f")
	done
done

if [ -n "$tasks_wanted" ]; then
	for t in $tasks_wanted; do
		[ -n "${WEIGHT[$t]:-}" ] || die "no task '$t' in $TABLE_NAME (have: ${ORDER[*]})"
	done
	sel=()
	for t in "${ORDER[@]}"; do
		[[ " $tasks_wanted " == *" $t "* ]] && sel+=("$t")
	done
	ORDER=("${sel[@]}")
fi

# The kit's directory for a task (task2 -> task2-tun), empty if the kit
# has none.
task_dir() {
	[ -d "$KIT/${TASK_DIR[$1]}" ] && echo "${TASK_DIR[$1]}"
}

# ---- who runs student code ----------------------------------------------------

if [ "$(id -u)" = 0 ]; then
	if ! getent passwd "$GRADE_USER" >/dev/null; then
		say "creating the unprivileged grading user '$GRADE_USER'"
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$GRADE_USER" ||
			die "useradd $GRADE_USER failed; create it by hand or set GRADE_USER"
	fi
	G_UID=$(id -u "$GRADE_USER")
	G_GID=$(id -g "$GRADE_USER")
	[ "$G_UID" != 0 ] || die "GRADE_USER '$GRADE_USER' is root: student code must not run as root"
	# setpriv execs: no process in between, and no setuid program can give
	# the student's code its privileges back (no_new_privs).
	RUNAS=(setpriv "--reuid=$G_UID" "--regid=$G_GID" --clear-groups --no-new-privs)
	AS_USER=("${RUNAS[@]}" env -i PATH="$SYS_PATH" LC_ALL=C)   # root's own chores as that user
	if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
		say "chmod 0666 /dev/net/tun (Debian's default) so that $GRADE_USER can make TUN devices"
		chmod 0666 /dev/net/tun
	fi
	RUN_AS_NAME=$GRADE_USER
else
	G_UID=$(id -u)
	RUNAS=(setpriv --no-new-privs)
	AS_USER=(env PATH="$SYS_PATH" LC_ALL=C)
	RUN_AS_NAME="$(id -un) (not root: student code runs as you; grade as root for the sandbox user)"
fi
MY_USERNS=$(readlink /proc/self/ns/user)
# (grade-all creates its slots' users one after another before grading.)
[ "$setup_user" = 1 ] && exit 0

# One grader at a time per grading user: the clean-up kills by user.
mkdir -p "$GRADE_TMP"
exec 9>"$GRADE_TMP/vpngrade.$G_UID.lock" || die "cannot open the lock file in $GRADE_TMP"
if ! flock -n 9; then
	say "another grader runs as uid $G_UID; waiting for it"
	flock 9
fi

# Files the grading user left in the machine's /tmp, /var/tmp, /dev/shm
# (a grader without the sandbox, or one killed before its clean-up): as
# root, deleted without following any link (find -P, -delete works by
# descriptor). Done only while no scratch directory of ours exists.
sweep_files() {
	local d n
	[ "$(id -u)" = 0 ] || return 0
	for d in /tmp /var/tmp /dev/shm; do
		if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
		n=$(find -P "$d" -xdev -mindepth 1 -user "$G_UID" -print 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || continue
		find -P "$d" -xdev -mindepth 1 -user "$G_UID" -delete 2>/dev/null
		echo "$n files of uid $G_UID left in $d: deleted"
	done
}
sweep_files | sed 's/^/grade: before grading: /' >&2

SCRATCH=$(mktemp -d "$GRADE_TMP/vpngrade.XXXXXX") || die "mktemp in $GRADE_TMP failed"
SCRATCH=$(cd "$SCRATCH" && pwd -P)
chmod 755 "$SCRATCH"
JUDGE=$SCRATCH/kit            # the kit's checks and tools: root's, read-only to the grader
WORK=$SCRATCH/work            # the grading user's: the build, HOME, TMPDIR, check outputs
LOGS=$SCRATCH/logs            # root's: the build's log (root never opens a path in WORK)
mkdir -p "$JUDGE/bin" "$WORK/home" "$WORK/tmp" "$WORK/out" "$LOGS"
chmod 700 "$LOGS"
[ "$(id -u)" = 0 ] && chown -R "$G_UID:$G_GID" "$WORK"

# ---- the sandbox: what student code sees ---------------------------------------

# Directories hidden from student code (empty tmpfs over them, in the
# sandbox's mount namespace only): the kit's tree (reference sources and
# builds), the directory of the submissions (the other students), the
# directory the reports go to, and GRADE_HIDE. System directories are never
# hidden; a directory whose parent is one is hidden itself instead.
hide_dirs() {
	local d p
	for d in "$KIT" "$KIT_BUILD" ${submission:+"$(dirname "$submission")"} "$(dirname "$outdir")" \
		${GRADE_HIDE:-}; do
		p=$(realpath -m "$d" 2>/dev/null) || continue
		case $p in
		/ | /usr | /usr/* | /etc | /etc/* | /bin | /sbin | /lib | /lib32 | /lib64 | /libx32 | \
		/dev | /dev/* | /proc | /proc/* | /sys | /sys/* | /run | /run/* | /var | /boot | /tmp | /var/tmp)
			# not that one: the submission or report directory itself
			if [ "$d" = "$(dirname "${submission:-/}")" ]; then p=$submission
			elif [ "$d" = "$(dirname "$outdir")" ]; then p=$outdir
			else continue
			fi
			;;
		esac
		# (an ancestor of SCRATCH is fine: sandbox.sh binds SCRATCH back)
		case $p/ in "$SCRATCH"/*) continue ;; esac
		echo "$p"
	done | sort -u
}
if [ "$(id -u)" = 0 ]; then
	SANDBOX_SH=$(cat "$KIT/grading/sandbox.sh") || die "cannot read $KIT/grading/sandbox.sh"
	mapfile -t HIDE < <(hide_dirs)
	NS=(unshare -m --propagation private bash -c "$SANDBOX_SH" sandbox "$SCRATCH" "$TMPFS_SIZE" ${HIDE[@]+"${HIDE[@]}"} --)
else
	NS=()
fi
# Unpacking an archive and finding where a tree starts: run by the
# grading user (its text, read now: the sandbox hides the kit).
UNPACK_SH=$(cat "$KIT/grading/unpack.sh") || die "cannot read $KIT/grading/unpack.sh"
LAB_PREFIX=g$$

# ---- clean-up by force ----------------------------------------------------------

# Start time of a process, in clock ticks since boot (field 22 of stat;
# the command name before it may hold spaces).
start_ticks() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	# shellcheck disable=SC2086 # the fields, split on purpose
	set -- $s
	echo "${20}"
}

SINCE_TICKS=$(start_ticks $$)

# What the grading user left running: as root, every process of that user;
# otherwise our own processes inside another user namespace (a lab's)
# started since this grader did. Zombies are left to their parents.
stray_pids() {
	local p st
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		[ "$p" = $$ ] && continue
		st=$(awk '/^State:/ {s=$2} /^Uid:/ {print s, $2, $3, $4, $5}' "/proc/$p/status" 2>/dev/null) || continue
		# shellcheck disable=SC2086 # the fields, split on purpose
		set -- $st
		[ "${1:-}" = Z ] && continue
		[ "${2:-}" = "$G_UID" ] || [ "${3:-}" = "$G_UID" ] || [ "${4:-}" = "$G_UID" ] || continue
		if [ "$(id -u)" != 0 ]; then
			[ "$(readlink "/proc/$p/ns/user" 2>/dev/null)" != "$MY_USERNS" ] || continue
			[ "$(start_ticks "$p" || echo 0)" -ge "$SINCE_TICKS" ] || continue
		fi
		echo "$p"
	done
}

# sweep: takes down the labs the grading user left, then kills its
# processes. Prints one line per thing it had to clean (nothing if clean).
# As root, the killing is done as the grading user: kill(-1, SIGKILL) as
# that uid reaches every process of the uid but the caller, in one pass of
# the kernel that a fork cannot outrun (a process that keeps forking, whose
# PID changes faster than anyone can list it, dies all the same); repeated
# until none is left. In the sandbox the labs' state lives in its private
# /tmp and goes with their last process; the loop over /tmp/vpnlab.* is for
# a grader run without root, or an earlier one.
sweep() {
	local st lab pids names i
	for st in /tmp/vpnlab."$G_UID".*; do
		lab=${st#/tmp/vpnlab."$G_UID".}
		[ "$(id -u)" = 0 ] || [[ $lab == "$LAB_PREFIX"-* ]] || continue
		if [ ! -d "$st" ]; then
			rm -f "$st"          # a lock file lab.sh leaves next to the state
			continue
		fi
		echo "lab $lab left up: taken down"
		timeout -k 5 30 "${RUNAS[@]}" env -i PATH="$SYS_PATH" LAB="$lab" LAB_STATE="$st" \
			bash "$JUDGE/lab/lab.sh" down </dev/null >/dev/null 2>&1
		rm -rf "$st"
	done
	if [ "$(id -u)" = 0 ]; then
		# First SIGSTOP to every process of the uid, in one kill(-1) pass
		# (a fork racing it is restarted, so no child escapes): then the
		# list is complete. A process that forks and exits in a loop
		# changes its PID faster than ps can read /proc, and a ps-first
		# sweep saw none of it.
		setpriv "--reuid=$G_UID" "--regid=$G_GID" --clear-groups kill -STOP -1 >/dev/null 2>&1
		pids=$(ps -u "$G_UID" -o stat=,comm= 2>/dev/null | awk '$1 !~ /^Z/ {print $2}')
		if [ -n "$pids" ]; then
			names=$(echo "$pids" | sort | uniq -c |
				awk '{printf "%s%s%s", sep, $2, ($1 > 1 ? " x" $1 : ""); sep=", "}')
			echo "$(echo "$pids" | wc -l) processes left behind, killed: $names"
		fi
		# Every process of the uid, zombies too: the dead count against
		# the user's process limit until init reaps them, and the next
		# step must not find fork() failing.
		for i in $(seq 150); do
			setpriv "--reuid=$G_UID" "--regid=$G_GID" --clear-groups kill -KILL -1 >/dev/null 2>&1
			ps -u "$G_UID" -o stat= >/dev/null 2>&1 || return 0    # none at all
			sleep 0.1
		done
		echo "processes of uid $G_UID still there after 15s: $(ps -u "$G_UID" -o pid=,stat=,comm= | head -5 | tr -s ' \n' ' ')"
		return 0
	fi
	for i in $(seq 50); do
		pids=$(stray_pids)
		[ -n "$pids" ] || return 0
		if [ "$i" = 1 ]; then
			names=$(for p in $pids; do cat "/proc/$p/comm" 2>/dev/null; done | sort | uniq -c |
				awk '{printf "%s%s%s", sep, $2, ($1 > 1 ? " x" $1 : ""); sep=", "}')
			echo "$(echo "$pids" | wc -w) processes left behind, killed: $names"
		fi
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		sleep 0.2
	done
	echo "processes that would not die: $(stray_pids | tr '\n' ' ')"
}

finish_cleanup() {
	trap - EXIT INT TERM
	sweep >/dev/null
	if [ "${GRADE_KEEP:-0}" = 1 ]; then
		say "scratch directory kept: $SCRATCH"
	else
		# The student's files first, by the student's uid; then root's rest
		# (rm -P never follows a link, and nothing of the user runs now).
		[ "$(id -u)" = 0 ] && "${AS_USER[@]}" rm -rf "$WORK" </dev/null >/dev/null 2>&1
		rm -rf "$SCRATCH"
		sweep_files >/dev/null
	fi
}
trap finish_cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# A stale lab or process from an earlier grader that died is not this
# student's doing: clean it before anything runs.
sweep | sed 's/^/grade: before grading: /' >&2

# runs CMD as the grading user, with a clean environment, limits, and a
# time limit: sandboxed SECONDS LOG CMD... (returns CMD's status; 124 or 137
# when the time limit ended it).
sandboxed() {
	local secs=$1 log=$2
	shift 2
	timeout --kill-after="$KILL_AFTER" "$secs" ${NS[@]+"${NS[@]}"} \
		bash -c 'ulimit -u "$1" -f "$2" -c 0 2>/dev/null; shift 2; exec "$@"' lim \
		"$NPROC_LIMIT" "$FSIZE_LIMIT" \
		"${RUNAS[@]}" env -i PATH="$SYS_PATH" HOME="$WORK/home" TMPDIR="$WORK/tmp" \
		LC_ALL=C LANG=C "$@" </dev/null >"$log" 2>&1 9>&-
}

# ---- the judge: the kit's checks and tools, snapshotted ------------------------------

# Kit tools: the three every check has, and each task's from the table.
KIT_TOOLS=$({ echo pcap-capture; echo pcap-verify; echo lab-linesrv
	# shellcheck disable=SC2086 # a space-separated list
	for t in "${ORDER[@]}"; do printf '%s\n' ${TASK_TOOLS[$t]}; done; } | grep -v '^$' | sort -u)
for tool in $KIT_TOOLS; do
	[ -x "$KIT_BUILD/bin/$tool" ] ||
		die "the kit's tool $KIT_BUILD/bin/$tool is missing: build the kit first ('make SAN=1 programs')"
	cp "$KIT_BUILD/bin/$tool" "$JUDGE/bin/"
done
# Scripts and data of lab/ and the task directories; no sources, so the
# grading user sees no reference code here.
(cd "$KIT" && find lab task* -type f ! -name '*.[ch]' ! -name '*.mk' ! -name '*.o' -print0 |
	tar --null -T - -cf -) | tar -C "$JUDGE" -xf - || die "cannot copy the kit's checks"
chmod -R a+rX,go-w "$JUDGE"

# Programs a task's check runs from $BIN: the table's "programs".
task_programs() {
	# shellcheck disable=SC2086 # a space-separated list
	printf '%s\n' ${TASK_PROGRAMS[$1]}
}

# ---- build ---------------------------------------------------------------------------------

build_status=skipped build_secs=0 build_error='' build_cmd='' TREE_NOTE='' HANDOUT_NOTE=''
if [ -n "$submission" ]; then
	BIN=$WORK/src/build/san/bin
	say "$student: copying $submission"
	"${AS_USER[@]}" mkdir "$WORK/src" </dev/null || die "cannot create $WORK/src"
	if [ -z "$archive" ]; then
		# Root reads the submission (tar archives links as links); the
		# grading user writes the copy, so nothing in it is root's.
		tar -C "$submission" --exclude=./build --exclude=./out --exclude=./.git -cf - . |
			"${AS_USER[@]}" bash -c 'umask 022; exec tar -C "$1" --no-same-owner -xf -' untar "$WORK/src" ||
			die "cannot copy $submission"
	else
		# Root only reads the archive; the grading user copies it into WORK
		# and unpacks it there, in the sandbox, under a time limit.
		"${AS_USER[@]}" bash -c 'umask 022; exec cat >"$1"' copy "$WORK/submission.$archive" \
			<"$submission" || die "cannot copy $submission"
		sandboxed 300 "$LOGS/unpack.log" \
			bash -c "$UNPACK_SH" unpack "$archive" "$WORK/submission.$archive" "$WORK/src"
		rc=$?
		[ "$rc" = 0 ] || die "cannot unpack $submission: $(grep -m1 'unpack:' "$LOGS/unpack.log" || tail -1 "$LOGS/unpack.log")"
		grep '^unpack: note: ' "$LOGS/unpack.log" | sed 's/^unpack: note: //' >"$LOGS/unpack.notes"
		"${AS_USER[@]}" rm -f "$WORK/submission.$archive" </dev/null
	fi
	# Where the tree really starts (a handout/ inside NAME/), and a STUDENT
	# file on the way down: looked for by the grading user.
	"${AS_USER[@]}" bash -c "$UNPACK_SH" unpack find-tree "$WORK/src" </dev/null >"$LOGS/tree" 2>/dev/null ||
		die "cannot look into the copy of $submission"
	inner=$(sed -n 's/^inner=//p' "$LOGS/tree")
	sname=$(sed -n 's/^student=//p' "$LOGS/tree" | tr -cd 'A-Za-z0-9._@+ -' | cut -c1-64)
	sname=$(echo "$sname" | sed 's/^ *//; s/ *$//')
	if [ -n "$sname" ] && [ "$student_from" != "given (--student)" ]; then
		student=$sname student_from="its STUDENT file"
	fi
	if [ -n "$inner" ] && [ "$inner" != . ]; then
		"${AS_USER[@]}" bash -c 'mv -- "$1" "$1.outer" && mv -- "$1.outer/$2" "$1" && rm -rf -- "$1.outer"' \
			move "$WORK/src" "$inner" </dev/null || die "cannot move $inner of $submission up"
		if [ -n "$archive" ]; then
			TREE_NOTE="the archive's tree is in $inner/ (its Makefile is there): graded that tree"
		else
			TREE_NOTE="the tree is one level too deep: its Makefile is in $(basename "$submission")/$inner/, not at the top; graded $inner/"
		fi
	fi
	# The handout's build (tools/module.mk) keeps stubs' unused-code warnings
	# from being errors when a file HANDOUT is at the top. A submission
	# without it (copied without it, or a clone of the kit) is built the
	# same way, not with -Werror on handout code it does not use.
	if "${AS_USER[@]}" test ! -e "$WORK/src/HANDOUT" </dev/null; then
		"${AS_USER[@]}" bash -c 'echo "Written by the grader: the submission had no HANDOUT file." >"$1"' \
			handout "$WORK/src/HANDOUT" </dev/null || die "cannot write $WORK/src/HANDOUT"
		HANDOUT_NOTE="no HANDOUT file in the submission: added, so it is built with the handout's warning flags like every other"
	fi
	# Every selected task's programs; all of them when every task is graded.
	targets=()
	if [ -n "$tasks_wanted" ]; then
		for t in "${ORDER[@]}"; do
			d=$(task_dir "$t")
			[ -n "$d" ] || continue
			for p in $(task_programs "$t"); do targets+=("build/san/bin/$p"); done
		done
	else
		targets=(programs)
	fi
	if [ ${#targets[@]} -gt 0 ]; then
		build_cmd="make -k -j$(nproc) SAN=1 ${targets[*]}"
		say "$student: building ($build_cmd, no network, ${BUILD_TIMEOUT}s at most)"
		s=$(date +%s)
		# shellcheck disable=SC2086 # $build_cmd: make and its arguments
		sandboxed "$BUILD_TIMEOUT" "$LOGS/build.log" \
			bash -c 'cd "$1" && shift && exec unshare -rn "$@"' build "$WORK/src" \
			$build_cmd
		rc=$?
		build_secs=$(( $(date +%s) - s ))
		case $rc in
		0) build_status=ok ;;
		124 | 137) build_status="timed out after ${BUILD_TIMEOUT}s" ;;
		*) build_status=failed ;;
		esac
		build_left=$(sweep)
		[ -n "$build_left" ] && echo "grade: after the build: $build_left" >>"$LOGS/build.log"
	fi
else
	# The kit's own programs, copied: the sandbox hides the kit's tree.
	BIN=$SCRATCH/kit-programs
	mkdir -p "$BIN"
	find "$KIT_BUILD/bin" -maxdepth 1 -type f -perm -u+x -exec cp -p {} "$BIN/" \; 2>/dev/null
	chmod -R a+rX,go-w "$BIN"
fi

# first_error [DIR]: the compiler's first error, one in DIR/ if there is one.
first_error() {
	local log=$LOGS/build.log e=
	[ -f "$log" ] || return 0
	[ -n "${1:-}" ] && e=$(grep -m1 -E "^(\./)?$1/[^:]+:[0-9]+(:[0-9]+)?: (fatal )?error:" "$log")
	[ -n "$e" ] || e=$(grep -m1 -E ':[0-9]+(:[0-9]+)?: (fatal )?error:' "$log")
	[ -n "$e" ] || e=$(grep -m1 -E 'undefined reference|multiple definition|No rule to make target|No targets specified|cannot find -l|ld returned' "$log")
	[ -n "$e" ] || e=$(grep -m1 -iE 'error' "$log")
	[ -n "$e" ] || e=$(tail -1 "$log")
	echo "${e:0:300}"
}
build_error=$(first_error)

# ---- the checks ----------------------------------------------------------------------------

declare -A T_PASS=() T_FAIL=() T_DEN=() T_POINTS=() T_STATUS=() T_NOTE=() T_SECS=() T_DIR=() T_CAPNOTE=()
rm -rf "$outdir"/task*.log "$outdir"/task*/ "$outdir"/grade.{txt,json,csv} "$outdir"/build.log
mkdir -p "$outdir"
[ -f "$LOGS/build.log" ] && cp "$LOGS/build.log" "$outdir/build.log"

# The scripts a student writes that a check runs from its own directory
# (the table's "files"): the judge copy gets the student's, read by
# the grading user. One the tree lacks is not in the judge at all, so its
# check fails; it never falls back to the kit's reference.
declare -A FILE_NOTE=()
if [ -n "$submission" ]; then
	for sf in ${STUDENT_FILES[@]+"${STUDENT_FILES[@]}"}; do
		t=${sf%% *} f=${sf#* }
		rm -f "$JUDGE/$f"
		[ -d "$JUDGE/${f%/*}" ] || continue
		if "${AS_USER[@]}" bash -c '[ -f "$1" ] && exec head -c 1048576 -- "$1"' copy "$WORK/src/$f" \
			</dev/null >"$JUDGE/$f.new" 2>/dev/null; then
			mv "$JUDGE/$f.new" "$JUDGE/$f"
			chmod 644 "$JUDGE/$f"
		else
			rm -f "$JUDGE/$f.new"
			FILE_NOTE[$t]+="$f is missing from the submission; "
		fi
	done
fi

# The check's output names the scratch directory, which is deleted after
# grading: rewrite it to cite what is kept (OUTDIR/TASK/..., the kit's and
# the student's relative paths). Root edits its own copy of the log; the
# text is only matched, never run.
SHOWN_OUT=${outdir#"$KIT"/}
cite_kept_paths() {
	[ -f "$1" ] || return 0
	A="$WORK/out/$2" B="$SHOWN_OUT/$2" C="$WORK/out/" D="$SHOWN_OUT/" E="$WORK/src/" \
		F="$JUDGE/" G="$SCRATCH" perl -i -pe '
		s/\Q$ENV{A}\E/$ENV{B}/g; s/\Q$ENV{C}\E/$ENV{D}/g; s/\Q$ENV{E}\E//g;
		s/\Q$ENV{F}\E//g; s/\Q$ENV{G}\E/(scratch)/g' "$1"
}

points_of() { awk -v w="$1" -v p="$2" -v d="$3" 'BEGIN { printf "%.2f", (d > 0 ? w * p / d : 0) }'; }

grade_task() {
	local t=$1 dir log out rc s line p f n den missing left prog status big
	dir=$(task_dir "$t")
	T_DIR[$t]=$dir
	T_PASS[$t]=0 T_FAIL[$t]=0 T_SECS[$t]=0 T_NOTE[$t]=${FILE_NOTE[$t]:-}
	n=${NCHECKS[$t]}
	T_DEN[$t]=$([ "$n" = - ] && echo 0 || echo "$n")
	if [ -z "$dir" ] || [ ! -f "$KIT/$dir/check.sh" ]; then
		T_STATUS[$t]="no check"
		T_NOTE[$t]="the kit has no ${TASK_DIR[$t]}/check.sh yet: 0 points for everyone"
		return
	fi
	missing=
	for prog in $(task_programs "$t"); do
		[ -x "$BIN/$prog" ] || missing="$missing $prog"
	done
	if [ -n "$missing" ]; then
		T_STATUS[$t]="build failed"
		if [ -z "$submission" ]; then
			T_NOTE[$t]="not built:$missing (run 'make SAN=1 programs')"
		elif [ "$build_status" = ok ]; then
			T_NOTE[$t]="not built:$missing (the build made no build/san/bin/${missing# })"
		else
			T_NOTE[$t]="not built:$missing; $(first_error "$dir")"
		fi
		return
	fi

	log=$outdir/$t.log
	out=$WORK/out/$t
	say "$student: $t (${TLIMIT[$t]}s at most)"
	s=$(date +%s)
	sandboxed "${TLIMIT[$t]}" "$log" \
		env BIN="$BIN" KIT_BIN="$JUDGE/bin" OUT="$out" CHECK_LAB="$LAB_PREFIX-$t" \
		bash "$JUDGE/$dir/check.sh"
	rc=$?
	T_SECS[$t]=$(( $(date +%s) - s ))
	left=$(sweep)
	cite_kept_paths "$log" "$t"

	# The count is the check's own tally, its "TASK: N passed, M failed"
	# line (a SKIP line, an assertion not run because one it depends on
	# failed, counts as failed there). Student programs run as the same
	# user as the check, so they could print lines of their own into its
	# output: anything that does not add up (more than one tally, a tally
	# the PASS, FAIL and SKIP lines do not match) is flagged, and the lowest
	# passed and highest failed figures are taken. PASS lines alone count
	# only when there is no tally at all (the check was killed before it
	# printed one).
	local tallies nt p_lines f_lines s_lines last notrun crit ncrit cap_pts raw
	tallies=$(grep -aE "^$t: [0-9]+ passed, [0-9]+ failed\$" "$log" | sed -E 's/^[^:]*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
	nt=$(printf '%s' "$tallies" | grep -c .)
	p_lines=$(grep -acE "^PASS $t: " "$log")
	s_lines=$(grep -acE "^SKIP $t: " "$log")
	f_lines=$(( $(grep -acE "^FAIL $t: " "$log") + s_lines ))
	last=$(grep -aE "^(PASS|FAIL|SKIP) $t: " "$log" | grep -avE "^FAIL $t: sanitizer report in " | tail -1 | cut -c1-160)
	line=
	if [ "$nt" -gt 0 ]; then
		line=$(echo "$tallies" | tail -1)
		p=$(echo "$tallies" | awk 'NR == 1 || $1 < m {m = $1} END {print m}')
		f=$(echo "$tallies" | awk 'NR == 1 || $2 > m {m = $2} END {print m}')
		[ "$nt" = 1 ] ||
			T_NOTE[$t]+="the output holds $nt summary lines ($(echo "$tallies" | awk '{printf "%s%s/%s", (NR > 1 ? ", " : ""), $1, $1 + $2}')): forged output? counted $p passed, $f failed; "
		if [ "$p" != "$p_lines" ] || [ "$f" != "$f_lines" ]; then
			T_NOTE[$t]+="the summary says $p passed, $f failed but the output has $p_lines PASS and $f_lines FAIL or SKIP lines: forged output?; "
			[ "$p_lines" -lt "$p" ] && p=$p_lines
			[ "$f_lines" -gt "$f" ] && f=$f_lines
		fi
	else
		p=$p_lines
		f=$f_lines
	fi
	status=
	case $rc in
	0) ;;
	124 | 137)
		status="timed out after ${TLIMIT[$t]}s"
		[ "$nt" -gt 0 ] &&
			T_NOTE[$t]+="a summary line although the check was killed before its end: forged output?; "
		echo "FAIL $t: killed after ${TLIMIT[$t]}s (the time limit)" >>"$log"
		f=$((f + 1))
		;;
	*)
		if [ -z "$line" ]; then
			status="the check ended (exit $rc) without its summary"
			echo "FAIL $t: the check ended (exit $rc) without its summary line" >>"$log"
			f=$((f + 1))
		elif [ "$f" = 0 ]; then
			echo "FAIL $t: exit status $rc although it reported no failure" >>"$log"
			f=1
		fi
		;;
	esac
	if [ "$n" != - ] && [ $((p + f)) -ne "$n" ] && [ "$f" = 0 ]; then
		T_NOTE[$t]+="the run made $((p + f)) checks, $TABLE_NAME says $n: update its 'checks' column; "
	fi
	T_PASS[$t]=$p T_FAIL[$t]=$f
	den=$((p + f))
	[ "$n" != - ] && [ "$n" -gt "$den" ] && den=$n
	T_DEN[$t]=$den
	# A check that stopped early (its program never started, or died):
	# the assertions it never reached are lost points too, and say so.
	notrun=$((den - p - f))
	if [ -z "$status" ]; then
		if [ "$f" -gt 0 ] && [ "$notrun" -gt 0 ]; then status="$f failed, $notrun not run"
		elif [ "$f" -gt 0 ]; then status="$f failed"
		elif [ "$notrun" -gt 0 ]; then status="$notrun not run"
		else status=ok
		fi
	elif [ "$notrun" -gt 0 ]; then
		status+=", $notrun not run"
	fi
	[ "$notrun" -gt 0 ] &&
		T_NOTE[$t]+="$notrun of the $den assertions never ran (the check stopped after: ${last:-its start}); "
	[ "$s_lines" -gt 0 ] &&
		T_NOTE[$t]+="$s_lines of the $f failed were skipped (an assertion they depend on failed); "
	raw=$(points_of "${WEIGHT[$t]}" "$p" "$den")
	T_POINTS[$t]=$raw
	# Severity: a failed (or skipped) critical assertion caps the task at
	# CAP of its points, whatever else passed. Caps only lower a score, so
	# a forged "PASS ... [critical]" line gains nothing.
	crit=$(grep -aE "^(FAIL|SKIP) $t: \[critical\] " "$log" | sed -E "s/^(FAIL|SKIP) $t: \[critical\] //")
	ncrit=$(printf '%s' "$crit" | grep -c .)
	if [ "$ncrit" -gt 0 ]; then
		cap_pts=$(awk -v w="${WEIGHT[$t]}" -v c="${CAP[$t]}" 'BEGIN { printf "%.2f", w * c }')
		T_POINTS[$t]=$(awk -v r="$raw" -v c="$cap_pts" 'BEGIN { printf "%.2f", (r > c ? c : r) }')
		status+=", capped"
		T_CAPNOTE[$t]="capped: critical check failed: $(echo "$crit" | head -1 | cut -c1-200)$([ "$ncrit" -gt 1 ] && echo " (and $((ncrit - 1)) more critical)"): at most ${CAP[$t]} of the task, ${T_POINTS[$t]} / ${WEIGHT[$t]} (without the cap $raw)"
		T_NOTE[$t]="${T_CAPNOTE[$t]}; ${T_NOTE[$t]}"
	fi
	T_STATUS[$t]=$status
	[ -n "$left" ] && T_NOTE[$t]+="clean-up: $(echo "$left" | awk 'NR > 1 {printf "; "} {printf "%s", $0}'); "
	T_NOTE[$t]=${T_NOTE[$t]%; }

	# Keep the check's logs and captures, but not a flood. $out is the
	# grading user's: it is read by that user (a link planted there leads
	# only where the user could read anyway), regular files only, no link
	# followed; root only unpacks the stream into its own directory.
	if [ -d "$out" ] && [ ! -L "$out" ]; then
		mkdir -p "$outdir/$t"
		"${AS_USER[@]}" bash -c 'cd -P -- "$1" && [ "$(pwd -P)" = "$1" ] &&
			find -P . -type f -size -"$2" -print0 |
			tar --null --no-recursion -T - -cf -' keep "$out" "$KEEP_MAX" </dev/null 2>/dev/null |
			tar -C "$outdir/$t" --no-same-owner --no-same-permissions -xf - 2>/dev/null
		big=$("${AS_USER[@]}" find -P "$out" -type f -size +"$KEEP_MAX" -printf '%P ' </dev/null 2>/dev/null)
		[ -z "$big" ] || echo "(files over $KEEP_MAX not kept: $big)" >"$outdir/$t/NOT-KEPT.txt"
	fi
}

for t in "${ORDER[@]}"; do
	T_POINTS[$t]=0.00
	grade_task "$t"
done

total=$(for t in "${ORDER[@]}"; do echo "${T_POINTS[$t]}"; done | awk '{s += $1} END {printf "%.2f", s}')
max=$(for t in "${ORDER[@]}"; do echo "${WEIGHT[$t]}"; done | awk '{s += $1} END {printf "%g", s}')

# ---- reports -------------------------------------------------------------------------------

# Notes on the submission itself (how its tree was found and built), and
# on the lab: task 1 checks the kit's lab alone, for no points; when it
# fails, the lab did not come up on this machine, and every other task's
# result says more about the machine than about the student.
SUB_NOTES=()
[ -n "$TREE_NOTE" ] && SUB_NOTES+=("$TREE_NOTE")
[ -f "$LOGS/unpack.notes" ] && while IFS= read -r l; do SUB_NOTES+=("$l"); done <"$LOGS/unpack.notes"
[ -n "$HANDOUT_NOTE" ] && SUB_NOTES+=("$HANDOUT_NOTE")
for t in "${ORDER[@]}"; do
	if [ "${WEIGHT[$t]}" = 0 ] && [ "${T_STATUS[$t]}" != ok ]; then
		SUB_NOTES+=("$t (0 points, a precondition: it checks the kit's own lab) did not pass: when the lab does not come up on this machine, the other tasks' results are not the student's doing; see $t.log, fix the machine and grade again")
	fi
done

report() {
	local t n
	echo "Grade: $student"
	echo "  graded:     $(date '+%Y-%m-%d %H:%M:%S %z') by grading/grade.sh"
	if [ -n "$submission" ]; then
		echo "  submission: $submission"
	else
		echo "  submission: the kit's own programs ($BIN)"
	fi
	echo "  code ran as: $RUN_AS_NAME"
	[ -n "$submission" ] && echo "  student:    $student (from $student_from)"
	for n in "${SUB_NOTES[@]}"; do echo "  note:       $n"; done
	if [ -n "$submission" ]; then
		case $build_status in
		ok) echo "  build:      ok in ${build_secs}s ($build_cmd)" ;;
		skipped) echo "  build:      nothing to build for these tasks" ;;
		*) echo "  build:      $build_status after ${build_secs}s ($build_cmd)"
		   echo "              first error: $build_error" ;;
		esac
	fi
	echo
	printf '%-8s %9s %16s  %s\n' task checks points status
	for t in "${ORDER[@]}"; do
		printf '%-8s %9s %16s  %s\n' "$t" "${T_PASS[$t]}/${T_DEN[$t]}" \
			"${T_POINTS[$t]} / ${WEIGHT[$t]}" "${T_STATUS[$t]}"
	done
	printf '%-8s %9s %16s\n' total "" "$total / $max"
	echo
	for t in "${ORDER[@]}"; do
		[ -n "${T_NOTE[$t]}" ] && echo "$t: ${T_NOTE[$t]}"
		if [ -f "$outdir/$t.log" ] && grep -q '^FAIL ' "$outdir/$t.log"; then
			echo "$t: what failed (full output: $t.log; logs and captures: $t/)"
			grep -a '^FAIL ' "$outdir/$t.log" | cut -c1-400 | sed 's/^/  /'
		fi
	done
}

json_str() {
	local s
	s=$(printf '%s' "$1" | tr -d '\000-\010\013-\037\177' | iconv -c -f UTF-8 -t UTF-8 2>/dev/null || printf '%s' "$1" | tr -cd '\11\12\40-\176')
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\t'/\\t}
	s=${s//$'\n'/\\n}
	printf '"%s"' "$s"
}

json() {
	local t sep=
	echo "{"
	echo "  \"student\": $(json_str "$student"),"
	echo "  \"submission\": $(json_str "${submission:-}"),"
	echo "  \"graded_at\": $(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
	echo "  \"ran_as\": $(json_str "$RUN_AS_NAME"),"
	echo "  \"student_from\": $(json_str "$student_from"),"
	printf '  "notes": ['
	local n nsep=
	for n in "${SUB_NOTES[@]}"; do printf '%s%s' "$nsep" "$(json_str "$n")"; nsep=', '; done
	echo '],'
	echo "  \"build\": {\"status\": $(json_str "$build_status"), \"seconds\": $build_secs," \
		"\"command\": $(json_str "$build_cmd"), \"first_error\": $(json_str "$([ "$build_status" = ok ] || echo "$build_error")")},"
	echo "  \"tasks\": ["
	for t in "${ORDER[@]}"; do
		printf '%s    {"task": %s, "check": %s, "weight": %s, "passed": %s, "failed": %s, "checks": %s, "points": %s, "cap": %s, "capped": %s, "status": %s, "seconds": %s, "note": %s}' \
			"$sep" "$(json_str "$t")" "$(json_str "${T_DIR[$t]:+${T_DIR[$t]}/check.sh}")" \
			"${WEIGHT[$t]}" "${T_PASS[$t]}" "${T_FAIL[$t]}" "${T_DEN[$t]}" "${T_POINTS[$t]}" \
			"${CAP[$t]}" "$([ -n "${T_CAPNOTE[$t]:-}" ] && echo true || echo false)" \
			"$(json_str "${T_STATUS[$t]}")" "${T_SECS[$t]}" "$(json_str "${T_NOTE[$t]}")"
		sep=$',\n'
	done
	echo
	echo "  ],"
	echo "  \"total\": $total,"
	echo "  \"max\": $max"
	echo "}"
}

csv_field() {
	local s=${1//$'\n'/ }
	s=${s//\"/\"\"}
	printf '"%s"' "$s"
}

csv() {
	local t n notes=
	{ printf 'student'; for t in "${ORDER[@]}"; do printf ',%s' "$t"; done; echo ',total,max,notes'; }
	for t in "${ORDER[@]}"; do
		[ "${T_STATUS[$t]}" = ok ] && continue
		notes+="$t: ${T_STATUS[$t]}${T_NOTE[$t]:+ (${T_NOTE[$t]})}; "
	done
	[ -n "$submission" ] && [ "$build_status" != ok ] && [ "$build_status" != skipped ] &&
		notes="build $build_status; $notes"
	local pre=
	for n in "${SUB_NOTES[@]}"; do pre+="$n; "; done
	notes=$pre$notes
	printf '%s' "$(csv_field "$student")"
	for t in "${ORDER[@]}"; do printf ',%s' "${T_POINTS[$t]}"; done
	printf ',%s,%s,%s\n' "$total" "$max" "$(csv_field "${notes%; }")"
}

report >"$outdir/grade.txt"
json >"$outdir/grade.json"
csv >"$outdir/grade.csv"
cat "$outdir/grade.txt"
echo "(${outdir#"$KIT"/}/grade.txt, grade.json, grade.csv; each check's output in ${outdir#"$KIT"/}/TASK.log)"
exit 0
