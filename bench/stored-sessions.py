"""Writes N stored Perch sessions as RESP for `redis-cli --pipe`: each with one subscription,
disconnected now and expiring in an hour (the keys RedisSessionPersistence writes)."""
import sys
import time

n = int(sys.argv[1])
now = int(time.time() * 1000)
out = sys.stdout.buffer


def cmd(*args):
    parts = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
    out.write(b"".join(parts))


for i in range(n):
    cid = "client-%d" % i
    cmd("HSET", "perch:session:{%s}" % cid, "proto", 5, "expiry", 3600, "disconnected_at", now)
    cmd("HSET", "perch:subs:{%s}" % cid, "devices/%d/cmd" % i, "1|0|0|0|0|")
    cmd("ZADD", "perch:sessions", 0, cid)
    cmd("ZADD", "perch:expiry", now + 3600000, cid)
