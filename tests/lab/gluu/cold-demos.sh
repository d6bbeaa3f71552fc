#!/bin/bash
# Runs the Gluu demo cold N times in a row (a new lab each time) and, after each, what the
# demo prints: an entry added on server 1 read on server 2, a change on server 2 read on
# server 1, each polled every 0.1 s for up to 5 s. Prints one line per run: the demo's exit
# code and time, both replication delays, and the err=53 refusals in each server's log.
#
# usage: tests/lab/gluu/cold-demos.sh [N] [--name LAB]     (default 10 runs, lab coldlab)
#   A measurement, not a test: its lines go in docs/gluu-mmr.md. Tear down with
#   tests/lab/lab.sh down --name LAB.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
runs=10
lab=coldlab
while [ $# -gt 0 ]; do
	case "$1" in
	--name) lab=${2:?--name needs a name}; shift ;;
	[0-9]*) runs=$1 ;;
	*) sed -n '7,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
	esac
	shift
done
cd "$root"
ssh_cmd="ssh -F tests/lab/.state/$lab/ssh_config"
chroot_cmd="chroot /opt/gluu-server-3.1.0"
bind="-H ldaps://127.0.0.1:1636 -x -D 'cn=directory manager,o=gluu' -w Gluu-lab-1"
now() { date +%s.%N; }
# Polls host $1 with ldapsearch filter $2 until its output has line $3; prints the seconds.
wait_for() {
	local start k
	start=$(now)
	for k in $(seq 1 50); do
		if $ssh_cmd "$1" "$chroot_cmd ldapsearch -LLL $bind -b o=gluu '$2'" 2>/dev/null | grep -qx "$3"; then
			echo "$(now) - $start" | bc
			return
		fi
		sleep 0.1
	done
	echo "none"
}
for i in $(seq 1 "$runs"); do
	start=$(now)
	./tests/lab/gluu/demo.sh --fresh --name "$lab" >"/tmp/cold-demo-$lab-$i.log" 2>&1
	rc=$?
	took=$(echo "$(now) - $start" | bc)
	printf 'dn: inum=cold%s,ou=people,o=gluu\nobjectClass: gluuPerson\ninum: cold%s\nuid: cold%s\ncn: Cold\n' "$i" "$i" "$i" |
		$ssh_cmd h01 "$chroot_cmd ldapadd $bind" >/dev/null 2>&1
	there=$(wait_for h02 "(uid=cold$i)" "uid: cold$i")
	printf 'dn: inum=cold%s,ou=people,o=gluu\nchangetype: modify\nreplace: cn\ncn: back%s\n' "$i" "$i" |
		$ssh_cmd h02 "$chroot_cmd ldapmodify $bind" >/dev/null 2>&1
	back=$(wait_for h01 "(uid=cold$i)" "cn: back$i")
	refusals=$(for h in h01 h02; do
		$ssh_cmd "$h" "grep -c 'err=53' /opt/gluu-server-3.1.0/var/log/openldap/ldap.log"
	done | tr '\n' ' ')
	echo "run $i: exit=$rc total=${took}s h01->h02=${there}s h02->h01=${back}s err53(h01 h02)=${refusals}"
done
