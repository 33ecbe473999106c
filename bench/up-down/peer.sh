#!/bin/sh
# tscompose as a tool of /work/shared/bench-peers/peerbench.py `compose` (see README.md here):
#   peer.sh running|containers|networks|purge PROJECT
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tsc="$here/../../bin/tscompose"
what=$1 project=$2
case $what in
  running) "$tsc" -p "$project" ps -q --status running ;;
  containers) "$tsc" -p "$project" ps -a -q ;;
  networks) ls "${TSCOMPOSE_RUN:-/run/tscompose}/networks" 2>/dev/null | sed -n "s/^\(${project}_.*\)\.json$/\1/p" ;;
  purge) "$tsc" -p "$project" down -v -t 0 >/dev/null 2>&1 || true ;;
  *) echo "usage: peer.sh running|containers|networks|purge PROJECT" >&2; exit 2 ;;
esac
