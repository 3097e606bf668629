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

echo
echo "== Running samples/OrderWorker.Hosted: the same worker as a hosted service (AddSteadfast, in-memory default) =="
# OrderWorker:Demo=true enqueues 40 orders, prints the /health report once they are settled, then stops the host.
# Steadfast__Redis__ConnectionString=localhost:6379 would run it on Redis instead.
dotnet run --project samples/OrderWorker.Hosted/OrderWorker.Hosted.csproj -c Release -- \
  --OrderWorker:Demo=true --urls http://127.0.0.1:0
