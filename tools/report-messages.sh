# report-messages.sh - the Chinese of every sentence tools/report.sh adds
# to a report (sourced by it; msg FORMAT looks FORMAT up here on zh pages).
#
# Keyed by the English printf format, word for word; the %s come in the
# same order in both (bash's printf has no positional arguments), so a
# sentence is turned around the arguments rather than the other way.
# make test-report fails when a format of report.sh has no entry here, and
# when a Chinese page shows one of the English formats.
# (SC2016: backquotes are Markdown code spans, $ is not expanded here)
# shellcheck shell=bash disable=SC2034,SC2016
declare -gA ZH=(
	['(run make check-%s first)']='（请先运行 make check-%s）'
	['%s/ does not exist %s']='%s/ 不存在 %s'
	['%s does not exist %s']='%s 不存在 %s'
	['%s was not found (run make check-%s first; if it ran, the check writes no such file and the template is to be brought in line with it)']='找不到 %s（请先运行 make check-%s；如果已经运行过，说明检查脚本不写这个文件，模板应与检查脚本保持一致）'
	['%s (the PASS/FAIL lines of the check) is written by make check-%s, not by running the script of the check alone %s']='%s（检查的 PASS/FAIL 结果行）由 make check-%s 写入，单独运行检查脚本不会生成它 %s'
	['no PASS/FAIL line of %s contains "%s"']='%s 中没有包含“%s”的 PASS/FAIL 结果行'
	['`%s`:']='`%s`：'
	['(empty)']='（空）'
	['... (1 more line in %s)']='……（还有 1 行，见 %s）'
	['... (%s more lines in %s)']='……（还有 %s 行，见 %s）'
	['tcpdump is not installed, so captures cannot be decoded (sudo apt-get install --no-install-recommends tcpdump, or sudo make deps)']='没有安装 tcpdump，无法解码抓包文件（sudo apt-get install --no-install-recommends tcpdump，或 sudo make deps）'
	['tcpdump could not read %s with the filter %s: %s']='tcpdump 无法读取 %s（过滤器 %s）：%s'
	['`%s`: %s of %s packets match.']='`%s`：匹配 %s 个（共 %s 个数据包）。'
	['`%s`: %s packets.']='`%s`：共 %s 个数据包。'
	['(no packet)']='（没有数据包）'
	['... (%s more)']='……（还有 %s 个）'
	['Packets matching `%s` at each hop, in path order:']='各抓包点上匹配 `%s` 的数据包（按路径顺序）：'
	['| hop | capture | packets | first one |']='| 抓包点 | 抓包文件 | 数据包 | 第一个 |'
	['missing %s']='缺少 %s'
	['(none)']='（无）'
	['%s of %s']='%s（共 %s）'
	['%s/ does not exist, so there is no packet-flow picture %s']='%s/ 不存在，因此没有数据包流向图 %s'
	['%s/ holds no capture %s']='%s/ 中没有抓包文件 %s'
	['every packet']='全部数据包'
	['![packet flow: %s](%s)']='![数据包流向图：%s](%s)'
	['_Packet flow ([%s](%s)): one column per capture (hop) in path order, one row per packet; the arrow goes from the hop that saw it first to the hop that saw it last._']='_数据包流向图（[%s](%s)）：每列是一个抓包点（按路径顺序），每行是一个数据包；箭头从最先看到它的抓包点指向最后看到它的抓包点。_'
	['(set STUDENT="Your Name")']='（请设置 STUDENT="你的名字"）'
	['(not run yet: make check-%s)']='（尚未运行：make check-%s）'
	['(not a git tree)']='（不是 git 仓库）'
	['{{meta.%s: unknown}}']='{{meta.%s：未知}}'
	['unknown placeholder {{%s}} (see report-templates/README.md)']='未知的占位符 {{%s}}（见 report-templates/README.md）'
	['> _(answer here)_']='> _（在此作答）_'
	['# %s: your answers']='# %s：你的回答'
	['Write each answer between its two <!-- ... --> lines, in Markdown. `make report` puts it in its place in %s and its .html, and keeps it every time it runs. You may write in %s instead: make report takes the answers from whichever of the two files you changed last.']='请把每个回答写在它的两行 <!-- ... --> 之间（Markdown 格式）。`make report` 会把它放到 %s 及其 .html 中相应的位置，每次运行都会保留。你也可以直接在 %s 中作答：make report 以两个文件中最后修改的那个为准。'
	['(a question no longer in the template)']='（模板中已不再有这个问题）'
)
