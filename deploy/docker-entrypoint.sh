#!/usr/bin/env bash
# Container entry point: runs `bin/perch start` in the foreground. `exec` all the way down (this
# script, then bin/perch) makes Java the container's main process, so `docker stop`'s SIGTERM
# reaches it and Perch stops gracefully (listeners, sessions, plugins, the embedded Redis).
#
# Configuration, besides the files in etc/ (a volume):
#   PERCH_CONF_<KEY>=<value>  one `--set key=value` per variable: the rest of the name, lower-cased,
#                             with "__" for "." (EMQ X's convention), e.g.
#                             PERCH_CONF_BACKEND__REDIS__POOL1__SERVER=redis:6379
#                             sets backend.redis.pool1.server = redis:6379
#   PERCH_JAVA_OPTS, PERCH_HEAP_OPTS   passed to java by bin/perch
#   PERCH_HOME                where the release is unpacked (default /opt/perch)
# Arguments are passed to `bin/perch start` after those, e.g. `-c etc/other.conf` or `--set k=v`.
set -euo pipefail

PERCH_HOME="${PERCH_HOME:-/opt/perch}"

args=()
for name in $(compgen -e); do
  case "$name" in
    PERCH_CONF_?*)
      key="${name#PERCH_CONF_}"
      key="${key//__/.}"
      args+=(--set "${key,,}=${!name}")
      ;;
  esac
done

exec "$PERCH_HOME/bin/perch" start "${args[@]}" "$@"
