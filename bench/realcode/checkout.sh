#!/usr/bin/env bash
# Lays out the two real code bases that `Steadfast.AnalyzerCost realcode` builds (issue 14), at their pinned commits,
# from the bare snapshots the library's `fetch` tool brings to /work/.mirror/OWNER+NAME/repo:
#   fetch github:StackExchange/StackExchange.Redis   and   fetch github:App-vNext/Polly
# Every file of the commit is extracted into DEST/NAME (default /work/realcode) except those the snapshot lacks (large
# binaries, e.g. StackExchange.Redis's tests/RedisConfigs); the builds need none of them. Nothing here is committed.
set -euo pipefail
dest="${1:-/work/realcode}"
mirror="${MIRROR:-/work/.mirror}"
# name  repo  commit  (keep in step with bench/Steadfast.AnalyzerCost/RealCode/CodeBase.cs)
rows=(
  "StackExchange.Redis StackExchange/StackExchange.Redis 90bbf1fcba1c9cc464c94b96d16c2706f590383f"
  "Polly App-vNext/Polly 173d6d1d2e28a4697f1ac1d22da68f77ff19a0c9"
)
for row in "${rows[@]}"; do
  read -r name repo commit <<<"$row"
  git_dir="$mirror/${repo/\//+}/repo"
  [[ -d "$git_dir/.git" ]] && git_dir="$git_dir/.git"
  if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
    echo "missing snapshot or commit: $repo @ $commit (fetch github:$repo)" >&2; exit 1
  fi
  target="$dest/$name"
  if [[ -f "$target/.steadfast-commit" && "$(cat "$target/.steadfast-commit")" == "$commit" ]]; then
    echo "$name already at ${commit:0:12}"; continue
  fi
  rm -rf "$target" && mkdir -p "$target"
  python3 - "$git_dir" "$commit" "$target" <<'PY'
import os, subprocess, sys
git_dir, commit, target = sys.argv[1:]
listing = subprocess.run(['git', '--git-dir', git_dir, 'ls-tree', '-r', '-z', '--full-tree', commit],
                         check=True, capture_output=True).stdout.split(b'\0')
cat = subprocess.Popen(['git', '--git-dir', git_dir, 'cat-file', '--batch'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
skipped = 0
for line in listing:
    if not line:
        continue
    meta, path = line.split(b'\t', 1)
    mode, kind, sha = meta.split()
    if kind != b'blob' or mode == b'120000':
        continue
    cat.stdin.write(sha + b'\n'); cat.stdin.flush()
    header = cat.stdout.readline().split()
    if len(header) < 3 or header[1] == b'missing':
        skipped += 1
        continue
    data = cat.stdout.read(int(header[2])); cat.stdout.read(1)
    out = os.path.join(target, path.decode('utf-8', 'replace'))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'wb') as f:
        f.write(data)
    if mode == b'100755':
        os.chmod(out, 0o755)
cat.stdin.close(); cat.wait()
print(f'{skipped} files not in the snapshot (left out)')
PY
  echo "$commit" > "$target/.steadfast-commit"
  echo "checked out $repo @ ${commit:0:12} into $target"
done
