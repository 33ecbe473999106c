#!/usr/bin/env bash
# tscompose beside docker-compose (v1) and podman-compose in ONE run of the shared peer harness
# (/work/shared/bench-peers, its README says how a tool plugs in): `compose` for each size, the
# three tools in turn per size (so they see the same machine load), then `mem` (10 containers).
# Brings the engines up (engines.sh up: dockerd, podman config, cgroup fix, egress guard) and
# always down again, with every tscompose project of its temp TSCOMPOSE_ROOT/RUN.
#
#   bench/up-down/peers.sh [runs=5] [sizes="1 10 30"]      (root; peers from the harness's install.sh)
#
# Tables: $RESULTS/table.md (default /tmp/peerbench/results-tscompose-<time>/), load average in peers.log there.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
PEERS=${PEERS:-/work/shared/bench-peers}
RUNS=${1:-5}
SIZES=${2:-1 10 30}
T="$repo/bin/tscompose"
B="$here/peer.sh"
export PEERBENCH_WORK=${PEERBENCH_WORK:-/tmp/peerbench}
export RESULTS=${RESULTS:-$PEERBENCH_WORK/results-tscompose-$(date +%Y%m%d-%H%M)}
mkdir -p "$RESULTS"
tmp=$(mktemp -d /tmp/tscompose-peers-XXXXXX)
export TSCOMPOSE_ROOT=$tmp/root TSCOMPOSE_RUN=$tmp/run CI=true
cd "$PEERS" || exit 1
. ./lib.sh

load() { echo "[$(date +%H:%M:%S)] load average: $(cut -d' ' -f1-3 /proc/loadavg) — $*" | tee -a "$RESULTS/peers.log"; }
cleanup() {
  for p in $(ls "$TSCOMPOSE_RUN" 2>/dev/null); do
    [ -f "$TSCOMPOSE_RUN/$p/state.json" ] && "$T" -p "$p" down -v -t 0 >/dev/null 2>&1
  done
  ./engines.sh down
  rm -rf "$tmp"
}
trap cleanup EXIT

./engines.sh up || exit 1
./make-image.sh all || exit 1
"$T" image import "$ROOTFS_TAR" "$IMAGE" -c 'CMD ["sh"]' >/dev/null || exit 1

for n in $SIZES; do
  load "compose -n $n"
  ./peerbench.py compose --tool docker-compose -n "$n" -r "$RUNS"
  ./peerbench.py compose --tool podman-compose -n "$n" -r "$RUNS"
  ./peerbench.py compose --tool tscompose -n "$n" -r "$RUNS" \
    --up "$T -f {file} -p {project} up -d" --down "$T -f {file} -p {project} down -t {stop_timeout}" \
    --running "$B running {project}" --containers "$B containers {project}" \
    --networks "$B networks {project}" --purge "$B purge {project}"
done

# mem: 10 containers; tscompose's per-container process is its waiter (the app's parent), as
# conmon is podman's and the shim docker's. One project, one service started per `up -d`.
load "mem"
./peerbench.py mem --engine docker -c 10
./peerbench.py mem --engine podman -c 10
{ echo services; for i in $(seq 1 10); do printf '  s%03d:\n    image: %s\n    command: ["sleep", "3600"]\n' "$i" "$IMAGE"; done; } |
  sed '1s/$/:/' > "$tmp/mem.yaml"
svc='$(printf s%03d $(({i} + 1)))'
./peerbench.py mem --name tscompose -c 10 \
  --start "$T -p pbmem -f $tmp/mem.yaml up -d $svc" --pid "$B pid pbmem $svc" --stop "$T -p pbmem down -t 0"
load "done"
./peerbench.py report -o "$RESULTS/table.md"
