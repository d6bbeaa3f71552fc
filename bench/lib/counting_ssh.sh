#!/bin/sh
# ssh that first appends a line to $BENCH_SSH_COUNT (one line per ssh process: per remote
# command over a ControlMaster, one round trip). run.sh points ansible-playbook's
# ssh_executable here for the run that counts.
echo x >>"${BENCH_SSH_COUNT:?}"
exec ssh "$@"
