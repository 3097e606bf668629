#!/usr/bin/env bash
# The main job: build the unsafe worker (the Steadfast analyzers print their warnings at build time),
# then run the same worker written on Steadfast's primitives with the in-memory backends.
set -euo pipefail
cd "$(dirname "$0")"

echo "== Building samples/UnsafeOrderWorker: every warning below is a real bug the analyzers found =="
dotnet build samples/UnsafeOrderWorker/UnsafeOrderWorker.csproj -c Release --no-incremental -nologo -clp:NoSummary \
  | grep -E "warning SF[0-9]{4}" | sed -E 's# \[/.*\]$##; s#^.*/samples/#samples/#' | sort -u

echo
echo "== Running samples/OrderWorker: the same worker on Steadfast (in-memory backends) =="
dotnet run --project samples/OrderWorker/OrderWorker.csproj -c Release "$@"
