# tools/ - the classroom tools: the students' handout and the lab reports
# (the grader is in grading/).
#
#   make handout          build/handout/: the starter kit (tools/handout.sh)
#   make test-handout     it builds, its checks fail on the stubs, and pass
#                         again with the reference regions put back
#   make todo             (in a handout) the parts still to write

.PHONY: test-handout

handout:
	@tools/handout.sh --tar

test-handout:
	@tools/test-handout.sh $(TASKS)

# In a handout (tools/handout.sh leaves a file HANDOUT at its top), a stub
# leaves variables and helpers unused until the student writes the code:
# warnings there, not errors, so that the starter kit builds. Every other
# warning stays an error.
ifneq ($(wildcard HANDOUT),)
WARN += -Wno-error=unused-variable -Wno-error=unused-but-set-variable \
        -Wno-error=unused-function -Wno-error=unused-const-variable \
        -Wno-error=unused-parameter \
        -Wno-error=unused-label -Wno-error=return-type
# ... and those warnings fold into one line per file (the whole text when
# a file does not compile, or with V=1).
ifneq ($(V),1)
CC := tools/cc-fold.sh $(CC)
endif
endif

# make todo: the parts of a handout still to write (tools/stubs.sh).
.PHONY: todo
todo:
	@tools/stubs.sh

# The lab reports (tools/report.sh): report-templates/ filled from the last
# checks' outputs in out/, with packet-flow pictures drawn from the captures.
#
#   make report [STUDENT="Name"]   out/report/index.html, TASK.LANG.md/.html
#   make test-report               tools/test-report.sh

.PHONY: test-report

report:
	@tools/report.sh

test-report:
	@tools/test-report.sh
