#!/usr/bin/env bash
# Process CPU of one serial (/parallel-) compile of a real code base's project, with or without Steadfast.Analyzers and
# with one rule alone (issue 14's per-rule attribution by CPU, not only by ReportAnalyzer's callback time).
#
#   serial-cpu.sh RSP LABEL none|ANALYZER.dll [SFxxxx] >> results.tsv
#
# RSP: the project's csc response file without Steadfast (take the csc command line of a `realcode` build log:
# /tmp/cost-real/NAME/serial-steadfast.rsp minus its Steadfast /analyzer: entry, with /out:, /refout: and /doc: moved out of
# the checkout). SFxxxx: run only that rule (a global config sets every other Steadfast rule to none; an analyzer whose
# descriptors are all off is not run). Prints: label, user s, system s, wall s, load average (1, 5, 15 min) before -> after.
# Run it under the shared build lock, from the project's folder (the response file's relative paths start there).
set -euo pipefail
rsp="$1"; label="$2"; analyzer="$3"; only="${4:-}"
csc="${CSC:-$(dirname "$(command -v dotnet)")/sdk/$(dotnet --version)/Roslyn/bincore/csc}"
rules=(SF1001 SF1002 SF1003 SF1004 SF1005 SF2001 SF2002 SF2003 SF3001 SF3002 SF3003 SF4001 SF4002)
extra=(/reportanalyzer)
[[ "$analyzer" != none ]] && extra+=("/analyzer:$analyzer")
work="$(mktemp -d)"
if [[ -n "$only" ]]; then
  { echo "is_global = true"; echo "global_level = 100"
    for rule in "${rules[@]}"; do [[ "$rule" != "$only" ]] && echo "dotnet_diagnostic.$rule.severity = none"; done; } > "$work/only.globalconfig"
  extra+=("/analyzerconfig:$work/only.globalconfig")
fi
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f '%U %S %e' -o "$work/time" "$csc" "@$rsp" /parallel- "${extra[@]}" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
printf '%s\t%s\t%s -> %s\n' "$label" "$(tr ' ' '\t' < "$work/time")" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work"
