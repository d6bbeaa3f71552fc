"""The benchmark's workloads as pyinfra operations, equivalent to workloads/tasks*.yml.

BENCH_TASKS picks the workload: 20 (W1, W2), 5 (W3) or 3 (scale.sh's W4, W5: hosts named by
their address, each in a directory of its own under /home/troupe-bench/scale). Run from bench/ (paths are relative
to it), e.g. `pyinfra -y --parallel 20 INVENTORY.py pyinfra/deploy.py`.
"""

import os

from pyinfra import host
from pyinfra.operations import files, server

BENCH_DIR = "/var/tmp/troupe-bench"
SMALL_FILE = "workloads/files/small.txt"
TEMPLATE = "workloads/templates/two_vars.conf.j2"
TEMPLATE_VARS = {"bench_name": "troupe-bench", "bench_port": 8080}


def directory(i):
    files.directory(name=f"directory {i}", path=f"{BENCH_DIR}/d{i}", present=True)


def shell(i):
    server.shell(name=f"shell {i}", commands=[f"echo bench-{i}"])


def copy(i):
    files.put(name=f"copy {i}", src=SMALL_FILE, dest=f"{BENCH_DIR}/c{i}.txt")


def template(i):
    files.template(name=f"template {i}", src=TEMPLATE, dest=f"{BENCH_DIR}/t{i}.conf", **TEMPLATE_VARS)


tasks = os.environ.get("BENCH_TASKS", "20")
if tasks == "20":
    for step in (directory, shell, copy, template):
        for i in range(1, 6):
            step(i)
elif tasks == "5":
    directory(1)
    shell(1)
    copy(1)
    template(1)
    shell(2)
elif tasks == "3":
    scale_dir = f"/home/troupe-bench/scale/{host.name}"
    files.directory(name="directory", path=scale_dir, present=True)
    server.shell(name="shell", commands=["echo hi"])
    files.put(name="copy", src=SMALL_FILE, dest=f"{scale_dir}/c.txt")
else:
    raise ValueError(f"BENCH_TASKS must be 20, 5 or 3, got {tasks!r}")
