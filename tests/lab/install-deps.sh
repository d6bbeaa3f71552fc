#!/bin/sh
# Installs what the lab and the connection tests need on a Debian-like controller:
# an OpenSSH server and client (the SSH connection tests start a private sshd on 127.0.0.1),
# sudo (become tests) and dash (the protocol is tested against Debian's /bin/sh).
set -eu
missing=
command -v ssh >/dev/null 2>&1 || missing="$missing openssh-client"
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
command -v sudo >/dev/null 2>&1 || missing="$missing sudo"
command -v dash >/dev/null 2>&1 || missing="$missing dash"
if [ -n "$missing" ]; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# sshd started as root insists on its privilege separation directory.
if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd; fi
