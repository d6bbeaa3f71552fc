#!/bin/sh
# Records what Ansible does with each parity case, as <case>/expected.txt, for
# engine/tests/ansible_cases.rs to hold troupe to without running Ansible.
#
# usage: tests/ansible-cases/record.sh [CASE...]      (default: every case)
#
# Each case runs the lines of its runs.txt in turn (split on whitespace, one shared fresh
# target directory passed as `-e base=...`, umask 022), and after each run records: whether
# ansible-playbook succeeded, the changed count per host from the recap, and every path left
# under the target directory (relative path, mode, content with the directory's own path
# replaced by BASE; .json files compared by their parsed value). Paths listed in the case's
# unpinned.txt depend on the machine: only their presence and mode are recorded.
#
# ansible-playbook comes from $ANSIBLE_PLAYBOOK, else PATH, else the virtualenv that
# ../shared/tools/ansible-diff (beside the repository) installs in /tmp/ansible-ref.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
playbook_bin=${ANSIBLE_PLAYBOOK:-$(command -v ansible-playbook || echo /tmp/ansible-ref/bin/ansible-playbook)}
[ -x "$playbook_bin" ] || { echo "ansible-playbook not found (set ANSIBLE_PLAYBOOK)" >&2; exit 2; }
if [ -x "$(dirname "$playbook_bin")/python" ]; then
    export ANSIBLE_PYTHON_INTERPRETER="$(dirname "$playbook_bin")/python"
fi
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0
umask 022
[ $# -gt 0 ] || set -- $(cd "$here" && ls -d */ | tr -d /)
for case in "$@"; do
    python3 - "$here/$case" "$playbook_bin" <<'EOF'
import hashlib, json, os, re, subprocess, sys, tempfile

case, playbook_bin = sys.argv[1], sys.argv[2]
RECAP = re.compile(r'^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)', re.M)
version = subprocess.run([playbook_bin, '--version'], capture_output=True, text=True).stdout.split('\n')[0]

def canonical_json(data):
    try:
        return json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(',', ':')).encode()
    except ValueError:
        return data

def content(data):
    if len(data) > 4000:
        return f'sha256:{hashlib.sha256(data).hexdigest()} len={len(data)}'
    try:
        return json.dumps(data.decode('utf-8'), ensure_ascii=False)
    except UnicodeDecodeError:
        return f'sha256:{hashlib.sha256(data).hexdigest()} len={len(data)}'

def snapshot(base, unpinned):
    lines = []
    for root, dirs, files in os.walk(base):
        for name in dirs + files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, base)
            mode = '%04o' % (os.lstat(path).st_mode & 0o7777)
            if os.path.islink(path):
                lines.append((rel, f'link {rel} -> {os.readlink(path).replace(base, "BASE")}'))
            elif os.path.isdir(path):
                lines.append((rel, f'dir  {rel} {mode}'))
            elif rel in unpinned:
                lines.append((rel, f'file {rel} {mode} (not pinned)'))
            else:
                data = open(path, 'rb').read().replace(base.encode(), b'BASE')
                if rel.endswith('.json'):
                    data = canonical_json(data)
                lines.append((rel, f'file {rel} {mode} {content(data)}'))
    return [line for _, line in sorted(lines)]

def read_lines(name):
    path = os.path.join(case, name)
    return open(path).read().split('\n')[:-1] if os.path.exists(path) else None

runs = read_lines('runs.txt') or ['', '']
unpinned = set(read_lines('unpinned.txt') or [])
inventory = next(n for n in ('inventory.ini', 'inventory.yml', 'inventory') if os.path.exists(os.path.join(case, n)))
out = [f'# What {version} did with this case; written by record.sh, do not edit.']
with tempfile.TemporaryDirectory(prefix='ansible-case-') as base:
    for i, args in enumerate(runs, 1):
        p = subprocess.run([playbook_bin, '-i', inventory, 'playbook.yml', '-e', f'base={base}'] + args.split(),
                           cwd=case, capture_output=True, text=True, timeout=600)
        changed = ' '.join(f'{host}={n}' for host, n in sorted(RECAP.findall(p.stdout)))
        out += [f'run {i}: {args}'.rstrip(), f'exit: {"ok" if p.returncode == 0 else "failed"}', f'changed: {changed}']
        out += snapshot(base, unpinned)
open(os.path.join(case, 'expected.txt'), 'w').write('\n'.join(out) + '\n')
print(f'recorded {os.path.basename(case)}')
EOF
done
