#!/usr/bin/env bash
# Lays out the real-world set: for each row of repos.tsv (repo, commit, kind, paths, lines, why) it extracts the pinned
# commit's C# sources and project files (*.cs, *.csproj, *.props, *.targets) from the bare snapshot that the library's
# `fetch` tool brought to /work/.mirror/OWNER+NAME/repo into DEST/OWNER+NAME (default /work/realworld/src). Snapshots
# lack large files, so only what the harness reads is taken. Rows whose snapshot is missing are listed: fetch them.
# Nothing is built: the harness (bench/Steadfast.RealWorld) only compiles the sources in memory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tsv="${1:-$here/repos.tsv}"
dest="${2:-/work/realworld/src}"
mirror="${MIRROR:-/work/.mirror}"
mkdir -p "$dest"
missing=0
while IFS=$'\t' read -r repo commit _; do
  [[ -z "$repo" || "$repo" == \#* || "$repo" == repo ]] && continue
  name="${repo/\//+}"
  git_dir="$mirror/$name/repo"
  [[ -d "$git_dir/.git" ]] && git_dir="$git_dir/.git"
  if [[ ! -d "$git_dir" ]]; then
    echo "missing snapshot: $repo (fetch github:$repo)" >&2; missing=$((missing + 1)); continue
  fi
  target="$dest/$name"
  if [[ -f "$target/.steadfast-commit" && "$(cat "$target/.steadfast-commit")" == "$commit" ]]; then continue; fi
  rm -rf "$target" && mkdir -p "$target"
  python3 - "$git_dir" "$commit" "$target" <<'PY'
import os, subprocess, sys
git_dir, commit, target = sys.argv[1:]
wanted = ('.cs', '.csproj', '.props', '.targets')
listing = subprocess.run(['git', '--git-dir', git_dir, 'ls-tree', '-r', '-z', '--full-tree', commit],
                         check=True, capture_output=True).stdout.split(b'\0')
entries = []
for line in listing:
    if not line:
        continue
    meta, path = line.split(b'\t', 1)
    mode, kind, sha = meta.split()
    if kind == b'blob' and mode != b'120000' and path.decode('utf-8', 'replace').endswith(wanted):
        entries.append((sha.decode(), path.decode('utf-8', 'replace')))
cat = subprocess.Popen(['git', '--git-dir', git_dir, 'cat-file', '--batch'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
for sha, path in entries:
    cat.stdin.write((sha + '\n').encode()); cat.stdin.flush()
    header = cat.stdout.readline().split()
    if len(header) < 3 or header[1] == b'missing':
        continue  # a large file the snapshot does not carry
    data = cat.stdout.read(int(header[2])); cat.stdout.read(1)
    out = os.path.join(target, path)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'wb') as f:
        f.write(data)
cat.stdin.close(); cat.wait()
PY
  echo "$commit" > "$target/.steadfast-commit"
  echo "checked out $repo @ ${commit:0:12}"
done < "$tsv"
[[ $missing -eq 0 ]] || { echo "$missing repositories missing" >&2; exit 1; }
