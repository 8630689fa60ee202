#!/usr/bin/env bash
# Perch nodes on one redis-server, everything on this machine's loopback: what a cross-node hop
# costs against a local delivery, and 1, 2 and 3 nodes with clients spread over them. Prints
# one table. Everything started here is stopped on exit.
#
#   bench/cluster.sh [--seconds N] [--qos Q] [--rate R] [--keep DIR]
#
# Rows (QoS --qos, default 1; 256-byte payloads; sessions in Redis, persistence.ack = redis):
#   local          1 node: 2 publishers and 1 subscriber on it
#   hop            2 nodes: 2 publishers on node 1, 1 subscriber on node 2 (each message crosses)
#   spread N       N nodes (1-3): a subscriber on every node to bench/#, a publisher on every
#                  node: each message goes to every node, N-1 of them through Redis
#   local/hop @R   latency at R messages/s per publisher (--rate, default 1000), one hop or none
# Columns: delivered msg/s (each subscriber's copies from its first delivery to its last, summed),
# p50/p99 latency per subscriber, and the nodes' CPU (utime + stime from /proc, all nodes of the
# row, from the publishers' start to the subscribers' end) per copy delivered.
# Environment: BENCH_JAVA_OPTS (the load tool's JVM), PERCH_SET (extra "key=value ..." for every node).
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN=10
QOS=1
RATE=1000
KEEP=""

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --qos) QOS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *) echo "cluster.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

WORK="$(mktemp -d /tmp/perch-cluster-bench.XXXXXX)"
STARTED=()

stop_all() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED=()
}
cleanup() {
  stop_all
  [ -z "$KEEP" ] || { mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/ && echo "runs kept in $KEEP" >&2; }
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "cluster-bench: $*" >&2; }
die() { log "$*"; exit 1; }

free_port() { # a port nothing listens on, not handed out before by this script
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    if [ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ] && ! grep -qx "$p" "$WORK/ports" 2>/dev/null; then
      echo "$p" >>"$WORK/ports"
      echo "$p"
      return
    fi
  done
  die "no free port found"
}

wait_port() { # port seconds pid
  for _ in $(seq $(($2 * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

BENCH_JAR="$(ls "$ROOT"/perch-bench/target/perch-bench-*.jar 2>/dev/null | grep -v -e '-tests' | head -1 || true)"
if [ -z "$BENCH_JAR" ] || [ ! -d "$ROOT/perch-bench/target/lib" ]; then
  log "building perch-bench"
  (cd "$ROOT" && mvn -B -q -pl perch-bench -DskipTests package)
  BENCH_JAR="$(ls "$ROOT"/perch-bench/target/perch-bench-*.jar | grep -v -e '-tests' | head -1)"
fi
bench() { # out-json args...
  local out=$1
  shift
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:--Xmx512m} -cp "$BENCH_JAR:$ROOT/perch-bench/target/lib/*" io.perch.bench.BenchMain \
    "$@" --quiet --json >"$out" 2>"$out.err"
}
field() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1"; }

REDIS_PORT=""
start_redis() {
  REDIS_PORT=$(free_port)
  # A fresh data dir per row group: the last group's sessions and inboxes would load (and be
  # measured) with it, and a large AOF keeps Redis answering LOADING while nodes start.
  rm -rf "$WORK/redis"
  mkdir -p "$WORK/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no >"$WORK/redis/out" 2>&1 &
  STARTED+=($!)
  wait_port "$REDIS_PORT" 15 "$!" || die "redis-server did not start: $(cat "$WORK/redis/out")"
}

NODE_PORT=()
NODE_PID=()
# CPU time (clock ticks) the running nodes have used so far: utime + stime of each.
nodes_cpu() {
  local t=0 p
  for p in "${NODE_PID[@]}"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}
start_node() { # index (1-3)
  local i=$1 tcp etc="$WORK/etc-$1" pid
  tcp=$(free_port)
  mkdir -p "$etc/plugins" "$WORK/data-$i" "$WORK/log-$i"
  cp "$ROOT/etc/perch.conf" "$etc/perch.conf"
  echo "dashboard.enable = off" >"$etc/plugins/perch_dashboard.conf"
  printf '%s\n' "backend.redis.pool1.server = 127.0.0.1:$REDIS_PORT" "backend.redis.pool1.type = single" \
    "persistence.mode = redis" "persistence.ack = redis" "cluster.enable = on" >"$etc/plugins/perch_cluster.conf"
  local args=(start -c "$etc/perch.conf" --set "listener.tcp.external=127.0.0.1:$tcp"
    --set listener.ws.external=off --set listener.ssl.external=off --set listener.wss.external=off
    --set "node.name=perch$i@127.0.0.1" --set "data.dir=$WORK/data-$i" --set "log.dir=$WORK/log-$i"
    --set zone.external.max_inflight=65535 --set zone.external.max_mqueue_len=10000000)
  local s
  # shellcheck disable=SC2206
  [ -n "${PERCH_SET:-}" ] && for s in ${PERCH_SET}; do args+=(--set "$s"); done
  "$ROOT/bin/perch" "${args[@]}" >"$WORK/node-$i.out" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  wait_port "$tcp" 300 "$pid" || die "node $i did not start: $(tail -20 "$WORK/node-$i.out")"
  NODE_PORT[$i]=$tcp
  # bin/perch execs java; ask the kernel which process owns the port in case it forks.
  NODE_PID[$i]=$(ss -Hltnp "( sport = :$tcp )" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
  NODE_PID[$i]=${NODE_PID[$i]:-$pid}
  log "node perch$i: tcp $tcp, pid ${NODE_PID[$i]}"
}

cluster() { # nodes
  stop_all
  NODE_PID=()
  start_redis
  local i
  for i in $(seq "$1"); do start_node "$i"; done
}

# Subscribers first (their routes reach every node within a heartbeat), then publishers; the
# subscribers run 4 s past the publishers so late deliveries count. Sums the subscribers' rates.
run() { # name "sub-node ..." "pub-node ..." [rate]
  local name=$1 rate=${4:-0} n=0 pids=() f total=0 p50="" p99="" file="${1//[^a-zA-Z0-9]/_}"
  for node in $2; do
    n=$((n + 1))
    bench "$WORK/$file-sub$n.json" sub -p "${NODE_PORT[$node]}" -t 'bench/#' -q "$QOS" -c 1 \
      --duration $((SECONDS_PER_RUN + 6)) --prefix "$file-s$n" &
    pids+=($!)
  done
  sleep 2
  local cpu0 count=0
  cpu0=$(nodes_cpu)
  n=0
  for node in $3; do
    n=$((n + 1))
    bench "$WORK/$file-pub$n.json" pub -p "${NODE_PORT[$node]}" -t "bench/$n/%i" -q "$QOS" -c 2 -I "$rate" \
      --duration "$SECONDS_PER_RUN" --warmup 2 --prefix "$file-p$n" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  local cpu=$(( $(nodes_cpu) - cpu0 ))
  for f in "$WORK/$file"-sub*.json; do
    total=$(awk -v a="$total" -v b="$(field "$f" deliverRate)" 'BEGIN { printf "%.0f", a + (b == "null" ? 0 : b) }')
    count=$(awk -v a="$count" -v b="$(field "$f" delivered)" 'BEGIN { printf "%.0f", a + (b == "null" ? 0 : b) }')
    p50="${p50:+$p50/}$(field "$f" latencyP50Ms)"
    p99="${p99:+$p99/}$(field "$f" latencyP99Ms)"
  done
  # The nodes' CPU from the publishers' start to the subscribers' end, per message delivered.
  local per
  per=$(awk -v c="$cpu" -v hz="$(getconf CLK_TCK)" -v n="$count" 'BEGIN { if (n > 0) printf "%.1f", c / hz * 1e6 / n; else print "-" }')
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$total" "$p50" "$p99" "$per" >>"$WORK/table"
}

log "work dir $WORK; ${SECONDS_PER_RUN}s per run, QoS $QOS"
cluster 1
run "local" "1" "1"
run "local @$RATE/s" "1" "1" "$RATE"
run "spread 1" "1" "1"
cluster 2
run "hop" "2" "1"
run "hop @$RATE/s" "2" "1" "$RATE"
run "spread 2" "1 2" "1 2"
cluster 3
run "spread 3" "1 2 3" "1 2 3"
stop_all

echo
echo "Perch cluster on one redis-server, $(nproc) cores, QoS $QOS, ${SECONDS_PER_RUN}s per run (bench/cluster.sh)"
echo
echo "| row | delivered msg/s (all subscribers) | p50 ms (per subscriber) | p99 ms | node CPU µs per delivery |"
echo "|---|---|---|---|---|"
cat "$WORK/table"
