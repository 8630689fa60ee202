#!/usr/bin/env bash
# Container health check: exit 0 when GET http://HOST:PORT/status answers 200, else 1. Uses
# bash's /dev/tcp only, so the runtime image needs no curl or wget.
#   PERCH_HEALTH_HOST (default 127.0.0.1), PERCH_HEALTH_PORT (default 18083, the dashboard's
#   listener, dashboard.listener.http)
set -uo pipefail
host="${PERCH_HEALTH_HOST:-127.0.0.1}"
port="${PERCH_HEALTH_PORT:-18083}"

exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /status HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3 || exit 1
IFS= read -r -t 5 status_line <&3 || exit 1
exec 3<&-
case "$status_line" in
  "HTTP/1."?" 200"*) exit 0 ;;
  *) echo "unhealthy: ${status_line%$'\r'}" >&2; exit 1 ;;
esac
