#!/usr/bin/env python3
"""Turns one bench run's measurements into Markdown tables, one per workload.

usage: report.py RUN_DIR

RUN_DIR holds what run.sh wrote: meta.md (machine, versions, commands), tools.tsv
(tool, status, detail), workloads.tsv (workload, hosts, tasks), and per workload and tool:
W.TOOL.cold.json / W.TOOL.warm.json (hyperfine exports), W.TOOL.rss (max RSS in kB),
W.TOOL.check (result of the check of the files on the hosts), W.TOOL.trips.total (requests
sent to the hosts in the warm run that measured memory), W.TOOL.error (why it failed).
"""

import json
import statistics
import sys
from pathlib import Path

TOOLS = [
    ("troupe", "troupe"),
    ("ansible", "Ansible (ansible-playbook)"),
    ("ansible-rs", "ansible-core-rs"),
    ("pyinfra", "pyinfra"),
    ("floor-exec", "floor (a): ssh exec per command"),
    ("floor-sh", "floor (b): persistent sh"),
]
PHASES = ("cold", "warm")


def read_tsv(path):
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def median_times(run_dir, workload, tool, phases=PHASES):
    """{phase: (median, min, max)} for the phases measured."""
    times = {}
    for phase in phases:
        path = run_dir / f"{workload}.{tool}.{phase}.json"
        if path.exists():
            result = json.loads(path.read_text())["results"][0]
            runs = result["times"]
            times[phase] = (statistics.median(runs), min(runs), max(runs))
    return times


def seconds(entry):
    if entry is None:
        return "–"
    median, low, high = entry
    return f"{median:.2f} ({low:.2f}–{high:.2f})"


def ratio(times, reference):
    cells = []
    for phase in PHASES:
        if phase in times and reference and phase in reference:
            cells.append(f"{times[phase][0] / reference[phase][0]:.2f}")
        else:
            cells.append("–")
    return " / ".join(cells)


def read_text(path, default=""):
    return path.read_text().strip() if path.exists() else default


def workload_table(run_dir, workload, hosts, tasks, status):
    measured = {tool: median_times(run_dir, workload, tool) for tool, _ in TOOLS}
    lines = [
        f"### {workload}: {hosts} host{'s' if hosts != '1' else ''} × {tasks} tasks",
        "",
        "| tool | cold s, median (min–max) | warm s, median (min–max) | ÷ Ansible cold / warm "
        "| ÷ floor (a) cold / warm | ÷ floor (b) cold / warm | max RSS MiB "
        "| round trips per host-task, warm | files check |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tool, label in TOOLS:
        if tool not in status:
            continue  # not asked for in this run (--tools)
        state, detail = status[tool]
        if state != "available":
            lines.append(f"| {tool}: not available ({detail}) | – | – | – | – | – | – | – | – |")
            continue
        times = measured[tool]
        error = read_text(run_dir / f"{workload}.{tool}.error")
        if not times and not error:
            continue  # not asked for in this run (--tools)
        rss = read_text(run_dir / f"{workload}.{tool}.rss")
        rss = f"{int(rss) / 1024:.0f}" if rss.isdigit() else "–"
        check = read_text(run_dir / f"{workload}.{tool}.check", "–")
        trips = read_text(run_dir / f"{workload}.{tool}.trips.total")
        trips = f"{int(trips) / (int(hosts) * int(tasks)):.2f}" if trips.isdigit() else "–"
        name = f"{label}: failed ({error})" if error else label
        lines.append(
            f"| {name} | {seconds(times.get('cold'))} | {seconds(times.get('warm'))} "
            f"| {ratio(times, measured['ansible'])} | {ratio(times, measured['floor-exec'])} "
            f"| {ratio(times, measured['floor-sh'])} | {rss} | {trips} | {check} |"
        )
    steal = read_text(run_dir / f"{workload}.steal")
    if steal:
        lines += ["", f"CPU time taken by the hypervisor for other guests (steal) during {workload}: {steal}%."]
    return "\n".join(lines)


def main():
    run_dir = Path(sys.argv[1])
    status = {row[0]: (row[1], row[2] if len(row) > 2 else "") for row in read_tsv(run_dir / "tools.tsv")}
    print(read_text(run_dir / "meta.md"))
    for workload, hosts, tasks in read_tsv(run_dir / "workloads.tsv"):
        print()
        print(workload_table(run_dir, workload, hosts, tasks, status))
    print()
    print("Cold: fresh hosts (files and ~/.ansible removed, ssh masters closed) before every run.")
    print("Warm: the same run repeated, files in place, masters kept (after one warm-up run).")
    print("Ratios are of medians; below 1 is faster than the reference. Max RSS: the largest")
    print("single process of the tool's tree (/usr/bin/time -v) in one warm run. Round trips:")
    print("requests sent to the hosts in that run over hosts × tasks (troupe counts its own,")
    print("Ansible's are its ssh processes, the floors make one per command; – not counted).")


if __name__ == "__main__":
    main()
