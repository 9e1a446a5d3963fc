# lab/: the line service Host V runs for the telnet and tunnel-breaking tasks.
PROGRAMS += lab-linesrv
lab-linesrv_SRCS := lab/linesrv.c
