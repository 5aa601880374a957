#!/bin/sh
# Runs a command in a private network namespace that has working WebRTC and no way out.
#
# libwebrtc (inside rtc-node and Chromium) ignores loopback adapters, and these machines may send
# traffic only to loopback or into namespaces they make themselves. So: a new namespace with `lo`
# up and a veth pair (10.200.0.1/24 and 10.200.0.2/24, both ends inside it, no route out). The
# addresses are up before the command starts, because livekit-server reads interfaces only at
# start and advertises the first non-loopback IPv4 (10.200.0.1) for ICE. A Node process cannot
# move itself into a namespace, so the whole stack of a test starts inside this one.
#
#   scripts/netns.sh <command> [args...]      (needs root, or a user namespace: see below)
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: scripts/netns.sh <command> [args...]" >&2
  exit 2
fi
if [ "${LK_NETNS_INSIDE:-}" = "1" ]; then
  exec "$@"
fi
for tool in unshare ip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "scripts/netns.sh: '$tool' is missing (Debian: apt-get install util-linux iproute2)" >&2
    exit 1
  fi
done
# As root a plain network namespace; otherwise a user namespace maps us to root inside it.
if [ "$(id -u)" -eq 0 ]; then flags="-n"; else flags="-rn"; fi
exec unshare $flags -- sh -c '
  set -eu
  ip link set lo up
  ip link add lkveth0 type veth peer name lkveth1
  ip addr add 10.200.0.1/24 dev lkveth0
  ip addr add 10.200.0.2/24 dev lkveth1
  ip link set lkveth0 up
  ip link set lkveth1 up
  export LK_NETNS_INSIDE=1
  exec "$@"
' netns "$@"
