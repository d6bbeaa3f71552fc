#!/usr/bin/env python3
"""Turns one scale.sh run into Markdown tables, one per workload.

usage: scale_report.py RUN_DIR

RUN_DIR holds meta.md, tools.tsv (tool, status, detail), workloads.tsv (workload, hosts,
tasks) and per workload and tool: W.TOOL.{cold,warm}.json (hyperfine), W.TOOL.rss (kB),
W.TOOL.threads, W.TOOL.lost (hosts unreachable or failed in the last warm run),
W.TOOL.trips.total (troupe's requests in that run), W.TOOL.error.
"""

import sys
from pathlib import Path

from report import median_times, read_tsv

TOOLS = [
    ("troupe", "troupe"),
    ("ansible", "Ansible (ansible-playbook)"),
    ("ansible-rs", "ansible-core-rs"),
    ("pyinfra", "pyinfra"),
    ("floor-exec", "floor: ssh exec per command, masters opened in the run"),
    ("floor-open", "floor: ssh exec per command over open masters"),
]
PEERS = ("ansible", "ansible-rs", "pyinfra")
PHASES = ("cold", "warm", "open")


def cell(entry):
    return "–" if entry is None else f"{entry[0]:.2f} ({entry[1]:.2f}–{entry[2]:.2f})"


def read(run_dir, name):
    path = run_dir / name
    return path.read_text().strip() if path.exists() else ""


def main():
    run_dir = Path(sys.argv[1])
    print(read(run_dir, "meta.md"))
    status = {row[0]: row for row in read_tsv(run_dir / "tools.tsv")}
    for workload, hosts, tasks in read_tsv(run_dir / "workloads.tsv"):
        times = {tool: median_times(run_dir, workload, tool, PHASES) for tool, _ in TOOLS}
        print(f"\n### {workload}: {hosts} hosts × {tasks} tasks\n")
        print("| tool | cold s, median (min–max) | warm s | warm, masters open s | ÷ best peer cold / warm / open "
              "| ÷ floor opening masters, cold / warm / open | max RSS MiB | threads | hosts lost | round trips per host-task |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        best = {phase: min((times[p][phase][0] for p in PEERS if phase in times[p]), default=None)
                for phase in PHASES}
        floor = times["floor-exec"]
        for tool, label in TOOLS:
            if tool not in status:
                continue
            if status[tool][1] != "available":
                print(f"| {label} | not available: {status[tool][2]} | | | | | | | | |")
                continue
            error = read(run_dir, f"{workload}.{tool}.error")
            t = times[tool]
            if not t:
                print(f"| {label} | failed: {error} | | | | | | | | |")
                continue
            vs_best = " / ".join(
                f"{t[p][0] / best[p]:.2f}" if p in t and best[p] else "–" for p in PHASES)
            vs_floor = " / ".join(
                f"{t[p][0] / floor[p][0]:.2f}" if p in t and p in floor else "–" for p in PHASES)
            rss = read(run_dir, f"{workload}.{tool}.rss")
            rss = f"{int(rss) / 1024:.0f}" if rss else "–"
            trips = read(run_dir, f"{workload}.{tool}.trips.total")
            trips = f"{int(trips) / (int(hosts) * int(tasks)):.2f}" if trips else "–"
            threads = read(run_dir, f"{workload}.{tool}.threads") or "–"
            lost = read(run_dir, f"{workload}.{tool}.lost") or "–"
            print(f"| {label} | {cell(t.get('cold'))} | {cell(t.get('warm'))} | {cell(t.get('open'))}{' (' + error + ')' if error else ''} "
                  f"| {vs_best} | {vs_floor} | {rss} | {threads} | {lost} | {trips} |")
    print("\ncold: no master open and no file on the hosts before each run; warm: the files in place, "
          "no master open; open: the files in place and the masters the previous run left "
          "(floor-open: opened before each run; ControlPersist is 60 s, so a floor run longer "
          "than that finds its first masters gone). Ratios are of medians. Max RSS: the largest process of the tool's tree "
          "(/usr/bin/time -v); threads: the most the tool's process had at once; hosts lost: "
          "unreachable or failed in the recap of the last warm run (troupe, Ansible).")


if __name__ == "__main__":
    main()
