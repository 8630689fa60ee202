#!/usr/bin/env bash
# Start-up with many stored sessions: how soon `bin/perch start` listens and serves a client,
# and when it has read every stored session. Needs redis-server, redis-cli, python3 and
# mosquitto_pub on PATH. Usage: bash bench/startup.sh [sessions, default 1000000]
set -euo pipefail
N=${1:-1000000}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
REDIS_PORT=$(free_port); MQTT_PORT=$(free_port); WS_PORT=$(free_port)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  --daemonize yes --logfile "$WORK/redis.log"
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.1; done
python3 "$ROOT/bench/stored-sessions.py" "$N" | redis-cli -p "$REDIS_PORT" --pipe | tail -1
echo "stored sessions: $(redis-cli -p "$REDIS_PORT" zcard perch:sessions)," \
  "$(redis-cli -p "$REDIS_PORT" info memory | grep '^used_memory_human' | tr -d '\r')"
start=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - start) / 1000000 )); }
"$ROOT/bin/perch" start --set backend.redis.embedded=off --set "backend.redis.pool1.server=127.0.0.1:$REDIS_PORT" \
  --set "listener.tcp.external=127.0.0.1:$MQTT_PORT" --set "listener.ws.external=127.0.0.1:$WS_PORT" \
  > "$WORK/perch.log" 2>&1 &
pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$MQTT_PORT") 2>/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$WORK/perch.log"; exit 1; }
  sleep 0.05
done
echo "listening $(ms) ms after launch (JVM start included)"
mosquitto_pub -h 127.0.0.1 -p "$MQTT_PORT" -i startup-probe -t probe -m x -q 0
echo "a client connected and published $(ms) ms after launch"
until grep -q "stored sessions known after" "$WORK/perch.log"; do
  kill -0 "$pid" 2>/dev/null || { cat "$WORK/perch.log"; exit 1; }
  sleep 0.2
done
echo "every stored session known $(ms) ms after launch:"
grep -h "stored sessions known" "$WORK/perch.log"
