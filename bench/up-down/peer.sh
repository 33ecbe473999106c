#!/bin/sh
# tscompose as a tool of /work/shared/bench-peers/peerbench.py `compose` and `mem` (see README.md here):
#   peer.sh running|containers|networks|purge PROJECT
#   peer.sh pid PROJECT SERVICE    host PID of PID 1 of the service's first container (`mem --pid`)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tsc="$here/../../bin/tscompose"
what=$1 project=$2
case $what in
  running) "$tsc" -p "$project" ps -q --status running ;;
  containers) "$tsc" -p "$project" ps -a -q ;;
  networks) ls "${TSCOMPOSE_RUN:-/run/tscompose}/networks" 2>/dev/null | sed -n "s/^\(${project}_.*\)\.json$/\1/p" ;;
  purge) "$tsc" -p "$project" down -v -t 0 >/dev/null 2>&1 || true ;;
  pid) "$here/../../node_modules/.bin/node" -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const c = Object.values(s.containers).filter((x) => x.service === process.argv[2] && x.pid).sort((a, b) => a.number - b.number)[0];
if (!c) process.exit(1);
console.log(c.pid);' "${TSCOMPOSE_RUN:-/run/tscompose}/$project/state.json" "$3" ;;
  *) echo "usage: peer.sh running|containers|networks|purge PROJECT | pid PROJECT SERVICE" >&2; exit 2 ;;
esac
