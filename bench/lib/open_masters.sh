#!/bin/bash
# Opens a ControlMaster to every host of HOSTS_FILE, all at once, and returns when they are up:
# what floor-open starts from.
#
# usage: open_masters.sh SSH_CONFIG CONTROL_DIR HOSTS_FILE
set -uo pipefail

ssh_config=$1 control_dir=$2 hosts_file=$3
mkdir -p "$control_dir"
mapfile -t hosts <"$hosts_file"
pids=()
for line in "${hosts[@]}"; do
	ssh -F "$ssh_config" -o ControlMaster=yes -o "ControlPath=$control_dir/%C" \
		-o ControlPersist=60s -fN "${line%% *}" </dev/null &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
