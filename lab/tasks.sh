# tasks.sh - reads lab/tasks.conf (the task table) into bash arrays. Sourced:
#
#   . lab/tasks.sh; tasks_load [FILE]     (dies with FILE:LINE on a bad line)
#
#   TASKS=(task1 task2 ...)               in table order
#   TASK_DIR[t] TASK_POINTS[t] TASK_CHECKS[t] TASK_TIMEOUT[t] TASK_CAP[t]
#                                         ("-" where the table says so)
#   TASK_PARTS[t] TASK_ALIASES[t] TASK_PROGRAMS[t] TASK_TOOLS[t] TASK_FILES[t]
#                                         space-separated lists, empty for "-"
#   TASK_ALIAS_OF[name]                   the task an alias names
# shellcheck shell=bash disable=SC2034

tasks_load() {
	local file=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tasks.conf}
	local t d pts n lim cap parts aliases progs tools files rest lineno=0 a
	TASKS=()
	declare -gA TASK_DIR=() TASK_POINTS=() TASK_CHECKS=() TASK_TIMEOUT=() TASK_CAP=() \
		TASK_PARTS=() TASK_ALIASES=() TASK_PROGRAMS=() TASK_TOOLS=() TASK_FILES=() TASK_ALIAS_OF=()
	[ -r "$file" ] || { echo "tasks.sh: cannot read $file" >&2; return 2; }
	_tasks_bad() { echo "tasks.sh: $file:$lineno: $*" >&2; return 2; }
	_tasks_list() { [ "$1" = - ] && echo "" || echo "${1//,/ }"; }
	while read -r t d pts n lim cap parts aliases progs tools files rest || [ -n "${t:-}" ]; do
		lineno=$((lineno + 1))
		case $t in '' | '#'*) continue ;; esac
		[ -n "$files" ] && [ -z "$rest" ] || _tasks_bad "expected 11 columns (task dir points checks timeout cap parts aliases programs tools files)" || return
		[[ $t =~ ^task[0-9]+$ ]] || _tasks_bad "'$t' is not a task name (task1, task2, ...)" || return
		[ -z "${TASK_DIR[$t]:-}" ] || _tasks_bad "$t is listed twice" || return
		[[ $d =~ ^[A-Za-z0-9_.-]+$ ]] || _tasks_bad "'$d' is not a directory name" || return
		[[ $pts =~ ^[0-9]+(\.[0-9]+)?$ ]] || _tasks_bad "points '$pts' is not a number" || return
		[[ $n =~ ^(-|[0-9]+)$ ]] || _tasks_bad "checks '$n' is not a number or -" || return
		[[ $lim =~ ^(-|[0-9]+)$ ]] || _tasks_bad "timeout '$lim' is not a number or -" || return
		[[ $cap =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || _tasks_bad "cap '$cap' is not a fraction between 0 and 1" || return
		for a in "$parts" "$aliases" "$progs" "$tools" "$files"; do
			[[ $a =~ ^(-|[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*)$ ]] ||
				_tasks_bad "'$a' is not - or a comma-separated list of names" || return
		done
		TASKS+=("$t")
		TASK_DIR[$t]=$d TASK_POINTS[$t]=$pts TASK_CHECKS[$t]=$n TASK_TIMEOUT[$t]=$lim TASK_CAP[$t]=$cap
		TASK_PARTS[$t]=$(_tasks_list "$parts")
		TASK_ALIASES[$t]=$(_tasks_list "$aliases")
		TASK_PROGRAMS[$t]=$(_tasks_list "$progs")
		TASK_TOOLS[$t]=$(_tasks_list "$tools")
		TASK_FILES[$t]=$(_tasks_list "$files")
		for a in ${TASK_ALIASES[$t]}; do TASK_ALIAS_OF[$a]=$t; done
	done <"$file"
	[ ${#TASKS[@]} -gt 0 ] || { echo "tasks.sh: $file lists no task" >&2; return 2; }
}
