#!/bin/bash
# The Gluu MMR demo: two Gluu Server stand-ins and an NGINX load balancer in Docker, clustered
# by troupe with playbooks/gluu-mmr.yml (Gluu's "Manual Gluu Server Clustering" guide).
#
# usage: tests/lab/gluu/demo.sh [--fresh] [--name NAME]
#   Installs the lab's dependencies, builds troupe (release), brings up the lab `gluu`
#   (building its images if needed), runs the playbook and says how to watch replication.
#   Run again: the lab is kept and the playbook re-runs with changed=0. --fresh replaces
#   the lab with a new one first. Lab names are global on the Docker engine: a second
#   checkout gives its demo another --name so the two labs do not replace each other.
#   Tear it down with: tests/lab/lab.sh down --name gluu (or the --name given)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../../.." && pwd)
LAB=gluu
SERVERS=2

fresh=false
while [ $# -gt 0 ]; do
	case "$1" in
	--fresh) fresh=true ;;
	--name) LAB=${2:?--name needs a name}; shift ;;
	*) sed -n '4,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
	esac
	shift
done
state="$root/tests/lab/.state/$LAB"
inventory="$state/gluu-inventory.yml"

step() { printf '\n==> %s\n' "$*"; }

step "Lab dependencies (tests/lab/install-deps.sh)"
bash "$root/tests/lab/install-deps.sh"
command -v docker >/dev/null || { echo "demo: Docker must be installed and running" >&2; exit 1; }
command -v cargo >/dev/null || { echo "demo: cargo is needed (https://rustup.rs)" >&2; exit 1; }

step "Building troupe (cargo build --release -p troupe; a first build compiles about 250 crates: 2 to 12 minutes, by cores)"
(cd "$root" && cargo build --release -p troupe)
troupe="$root/target/release/troupe"

# The lab is up when its inventory exists and every host answers ssh; anything else brings
# up a new one (up.sh replaces a lab of the same name).
lab_is_up() {
	[ -f "$inventory" ] &&
		[ "$(docker ps -q --filter "label=troupe.lab=$LAB" | wc -l)" -eq $((SERVERS + 1)) ] &&
		"$root/tests/lab/lab.sh" wait --name "$LAB" >/dev/null 2>&1
}
if $fresh || ! lab_is_up; then
	step "Bringing up the Gluu lab: $SERVERS Gluu servers and a load balancer (builds images as needed)"
	"$here/up.sh" "$SERVERS" --name "$LAB" >/dev/null
else
	step "The Gluu lab is already up (--fresh replaces it)"
fi
cat "$inventory"

step "troupe run playbooks/gluu-mmr.yml"
# The directory manager password comes out of Vault (tests/lab/gluu/lab-secrets.yml).
(cd "$root" && "$troupe" run playbooks/gluu-mmr.yml -i "$inventory" -e @tests/lab/gluu/lab-vars.yml \
	-e @tests/lab/gluu/lab-secrets.yml --vault-password-file tests/lab/gluu/lab-vault-pass)

ssh_cmd="ssh -F tests/lab/.state/$LAB/ssh_config"
chroot_cmd="chroot /opt/gluu-server-3.1.0"
ldap_bind="-H ldaps://127.0.0.1:1636 -x -D 'cn=directory manager,o=gluu' -w Gluu-lab-1"
lb=$(printf 'h%02d' $((SERVERS + 1)))
# The backend ip_hash gives the load balancer's own requests, named by the web stand-in.
sticky=$(cd "$root" && $ssh_cmd "$lb" "curl -sk https://$lb.gluu.lab/oxauth" 2>/dev/null |
	sed -n 's/^Gluu Server stand-in on \(h[0-9]*\)\..*/\1/p')
sticky=${sticky:-h01}
cat <<EOF

==> Done. Gluu servers h01 and h02 replicate each other (delta-syncrepl MMR); $lb.gluu.lab
    balances their web front ends. From $root:

  # Add an entry on server 1 ...
  printf 'dn: inum=demo,ou=people,o=gluu\nobjectClass: gluuPerson\ninum: demo\nuid: demo\ncn: Demo\n' |
    $ssh_cmd h01 "$chroot_cmd ldapadd $ldap_bind"

  # ... read it on server 2 (within a few seconds)
  $ssh_cmd h02 "$chroot_cmd ldapsearch -LLL $ldap_bind -b o=gluu '(uid=demo)' uid cn"

  # ... change it on server 2 and read the change on server 1
  printf 'dn: inum=demo,ou=people,o=gluu\nchangetype: modify\nreplace: cn\ncn: Changed on h02\n' |
    $ssh_cmd h02 "$chroot_cmd ldapmodify $ldap_bind"
  $ssh_cmd h01 "$chroot_cmd ldapsearch -LLL $ldap_bind -b o=gluu '(uid=demo)' cn"

  # ... delete it on server 1: gone on server 2
  $ssh_cmd h01 "$chroot_cmd ldapdelete $ldap_bind inum=demo,ou=people,o=gluu"
  $ssh_cmd h02 "$chroot_cmd ldapsearch -LLL $ldap_bind -b o=gluu '(uid=demo)' uid"

  # Replication in slapd's log (guide step 8)
  $ssh_cmd h02 "grep -e do_syncrep2 -e syncrepl_message /opt/gluu-server-3.1.0/var/log/openldap/ldap.log | tail"

  # Through the load balancer: /oxauth sticks to one backend (ip_hash; here $sticky)
  $ssh_cmd $lb "curl -sk https://$lb.gluu.lab/oxauth; echo"

  # Stop that backend's web server: /oxauth fails over to the other one; start it again
  $ssh_cmd $sticky "$chroot_cmd service nginx stop"
  $ssh_cmd $lb "curl -sk https://$lb.gluu.lab/oxauth; echo"
  $ssh_cmd $sticky "$chroot_cmd service nginx start"

  # The directory manager password is kept in Vault: see it, or change it
  target/release/troupe vault view --vault-password-file tests/lab/gluu/lab-vault-pass tests/lab/gluu/lab-secrets.yml

  # Run the demo again: the playbook reports changed=0 and restarts nothing
  tests/lab/gluu/demo.sh

  # Tear the lab down
  tests/lab/lab.sh down --name $LAB
EOF
