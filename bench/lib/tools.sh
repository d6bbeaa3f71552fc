#!/bin/bash
# What bench/run.sh and bench/scale.sh share: logging, the controller's tools, the peers'
# virtualenvs and the troupe binary. Sourced; uses the caller's cache, tools, run_dir, repo,
# troupe_choice and the *_SPEC pins.
die() {
	echo "bench: $*" >&2
	exit 1
}
log() { echo "bench [$(date +%H:%M:%S)] $*" >&2; }
selected() { [[ ",$tools," == *",$1,"* ]]; }

apt_updated=false
apt_install() {
	$apt_updated || { apt-get update -qq >/dev/null && apt_updated=true; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_controller_tools() {
	command -v hyperfine >/dev/null || { log "installing hyperfine (apt)"; apt_install hyperfine; }
	[ -x /usr/bin/time ] || { log "installing time (apt)"; apt_install time; }
	command -v ssh >/dev/null || { log "installing openssh-client (apt)"; apt_install openssh-client; }
	command -v python3 >/dev/null || die "python3 is needed (for the virtualenvs and the report)"
}

# status[tool] = available | unavailable; detail[tool] = version or why not.
declare -A status detail
mark_unavailable() {
	status[$1]=unavailable
	detail[$1]=$2
	log "$1: not available ($2)"
}

# Prints the venv's directory; installs SPEC into it when missing (a venv per spec, so a new
# pin never reuses an old install).
ensure_venv() {
	local spec=$1 venv
	venv="$cache/venv-$(printf '%s' "$spec" | tr -c 'A-Za-z0-9.=_-' '_')"
	if [ ! -e "$venv/.installed" ]; then
		log "installing $spec into $venv"
		rm -rf "$venv"
		python3 -m venv "$venv" >&2 &&
			"$venv/bin/pip" install -q --disable-pip-version-check "$spec" >&2 &&
			touch "$venv/.installed" || return 1
	fi
	echo "$venv"
}

declare -A binary
install_peers() {
	local venv
	mkdir -p "$cache"
	if selected ansible; then
		if venv=$(ensure_venv "$ANSIBLE_CORE_SPEC"); then
			binary[ansible]="$venv/bin/ansible-playbook"
			status[ansible]=available
			detail[ansible]=$("${binary[ansible]}" --version 2>&1 | sed -n 1p)
		else
			mark_unavailable ansible "pip install $ANSIBLE_CORE_SPEC failed"
		fi
	fi
	if selected pyinfra; then
		if venv=$(ensure_venv "$PYINFRA_SPEC"); then
			binary[pyinfra]="$venv/bin/pyinfra"
			status[pyinfra]=available
			detail[pyinfra]=$("${binary[pyinfra]}" --version 2>&1 | sed -n 1p)
		else
			mark_unavailable pyinfra "pip install $PYINFRA_SPEC failed"
		fi
	fi
	if selected ansible-rs; then
		# pip says whether PyPI has it: a failed install is the answer.
		if venv=$(ensure_venv "$ANSIBLE_CORE_RS_SPEC"); then
			binary[ansible-rs]="$venv/bin/ansible"
			status[ansible-rs]=available
			detail[ansible-rs]=$("${binary[ansible-rs]}" --version 2>&1 | sed -n 1p)
		else
			mark_unavailable ansible-rs "pip install $ANSIBLE_CORE_RS_SPEC failed: not on PyPI or not installable here"
		fi
	fi
	for tool in ${tools//,/ }; do
		if [[ "$tool" == floor-* ]]; then
			status[$tool]=available
			detail[$tool]="bash + $(ssh -V 2>&1)"
		fi
	done
}

find_troupe() {
	selected troupe || return 0
	case "$troupe_choice" in
	none) mark_unavailable troupe "--troupe none"; return 0 ;;
	build)
		command -v cargo >/dev/null || { mark_unavailable troupe "no cargo to build it"; return 0; }
		log "building troupe (cargo build --release -p troupe)"
		if ! (cd "$repo" && cargo build --release -q -p troupe) >"$run_dir/troupe-build.log" 2>&1; then
			mark_unavailable troupe "cargo build failed, see troupe-build.log"
			return 0
		fi
		binary[troupe]="${CARGO_TARGET_DIR:-$repo/target}/release/troupe"
		;;
	*) binary[troupe]=$(realpath "$troupe_choice") ;;
	esac
	[ -x "${binary[troupe]}" ] || { mark_unavailable troupe "${binary[troupe]} is not executable"; return 0; }
	status[troupe]=available
	detail[troupe]=$("${binary[troupe]}" --version 2>&1 2>&1 | sed -n 1p)
}
