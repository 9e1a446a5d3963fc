# grading/ - the grader (grading/README.md, docs/grading.md).
#
#   make grade                        score the kit's own programs
#   make grade SUBMISSION=DIR         score a student's tree (built and run sandboxed)
#   make grade-all SUBMISSIONS=DIR [JOBS=N]
#                                     every tree or archive in DIR, N at a time
#                                     -> out/grade/grades.csv
#   make test-grade                   the grader's own tests
#   make test-alt                     a correct student in another style gets full points
#   make probe-alt                    the alt student's classic bugs, each graded
#                                     on its task (a probe: not in make check)
#
# TASKS="task1 task2" limits any of them to those tasks; the points are in
# the task table lab/tasks.conf. Each builds the kit first: its checks judge with
# the kit's own tools (build/san/bin).

.PHONY: grade-all test-grade test-alt probe-alt grade-kit-build

grade-kit-build:
	@lab/deps.sh --need build,lab,check
	@$(MAKE) -s --no-print-directory SAN=1 programs

grade: grade-kit-build
	@grading/grade.sh $(if $(SUBMISSION),--submission '$(SUBMISSION)') \
		$(if $(TASKS),--tasks '$(TASKS)')

grade-all: grade-kit-build
	@test -n '$(SUBMISSIONS)' || \
		{ echo "usage: make grade-all SUBMISSIONS=DIR (one directory per student)" >&2; exit 2; }
	@grading/grade-all.sh $(if $(JOBS),-j '$(JOBS)') $(if $(TASKS),--tasks '$(TASKS)') '$(SUBMISSIONS)'

test-grade: grade-kit-build
	@grading/test-grade.sh

test-alt: grade-kit-build
	@grading/test-alt.sh $(if $(TASKS),--tasks '$(TASKS)')

probe-alt: grade-kit-build
	@grading/alt-student/bugs/run.sh $(BUGS)
