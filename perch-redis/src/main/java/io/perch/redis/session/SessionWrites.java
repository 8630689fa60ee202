package io.perch.redis.session;

import io.lettuce.core.ScriptOutputType;
import io.perch.broker.message.Message;
import io.perch.broker.persist.Change;
import io.perch.broker.persist.Phase;
import io.perch.redis.client.ArgvCall;
import io.perch.redis.client.PseudoCommands;
import io.perch.redis.client.RedisCall;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.perch.redis.codec.Keys.str;
import static io.perch.redis.codec.Keys.utf8;

/**
 * Turns one session's changes, in order, into Redis writes, each an {@link ArgvCall} (so a batch
 * of them runs inside the pipeline's script). A session delete there releases the bodies its
 * entries named in the same script; sent alone (Cluster) it is a script of the client's four
 * keys whose reply, the message ids the session held, the store then releases ({@link #dropped}).
 *
 * <p>Threads: {@link #translate} runs on the broker thread that writes the batch, under the
 * session's lock; different clients' batches run on different threads at once, hence the
 * concurrent map.
 */
final class SessionWrites {
    /** Never-expiring session (MQTT 5: 0xFFFFFFFF). */
    static final long NEVER_EXPIRE = 0xFFFFFFFFL;

    private static final byte[] PROTO = utf8("proto");
    private static final byte[] EXPIRY = utf8("expiry");
    private static final byte[] DISCONNECTED_AT = utf8("disconnected_at");
    private static final byte[] CREATED_AT = utf8("created_at");
    private static final byte[] REFS = utf8("refs");

    /**
     * Deletes the client's keys (KEYS: session, subs, out, rel) and returns the message ids its
     * entries named, so that their bodies (other slots on Cluster) can be released after.
     */
    static final String DROP_SESSION = String.join("\n",
            "local ids = {}",
            "for _, v in ipairs(redis.call('HVALS', KEYS[3])) do",
            "  local id = string.match(v, '" + OutEntry.LUA_MESSAGE_ID + "')",
            "  if id then ids[#ids + 1] = id end",
            "end",
            "redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])",
            "return ids");

    private final Compat compat;
    /**
     * The will delay of each client with a stored will, written through this store: a disconnect
     * ({@code SessionSaved}) names no will, yet its due time in {@code perch:wills} is the
     * disconnect time plus that delay, and on Cluster no script may read the session hash and
     * write the index in one go.
     */
    private final Map<String, Long> willDelays = new ConcurrentHashMap<>();

    SessionWrites(Compat compat) {
        this.compat = compat;
    }

    /**
     * The writes of one batch; where in them the session deletes are (their replies hold message
     * ids); where the forward marks are ({@link Change.ForwardMarked}), which on a Redis
     * Cluster must go only once the rest is stored (see RedisSessionPersistence); and where a
     * queue entry adds a reference to its body ({@code refAdds}), which a write may merge into
     * one count per body ({@link RefCounts}).
     */
    record Writes(List<RedisCall> calls, List<Integer> dropped, List<Integer> marks, List<RefAdd> refAdds) {
    }

    /** The {@code HINCRBY refs 1} at {@code index} of a batch's calls, for the body at {@code body}. */
    record RefAdd(int index, byte[] body) {
    }

    Writes translate(List<Change> batch) {
        return translate(batch, new java.util.HashSet<>(), memo(), false);
    }

    /** A memo for the batches of one write ({@link WriteMemo}). */
    WriteMemo memo() {
        return new WriteMemo(compat);
    }

    /**
     * As {@link #translate(List)}, for one of several batches that go as one write: a body
     * already in {@code bodiesWritten} (an earlier batch of the same write wrote it) is not
     * written again, so a message for ten sessions sends its payload once. {@code memo} is the
     * write's: what every batch of it would make alike is made once. {@code spanSlots}: the
     * pool runs a script over keys of different slots (single, Sentinel; not a Redis Cluster),
     * so an entry written again adds its body reference only if it is new ({@link PseudoCommands#putRef}).
     */
    Writes translate(List<Change> batch, java.util.Set<io.perch.broker.message.MessageId> bodiesWritten,
                     WriteMemo memo, boolean spanSlots) {
        List<RedisCall> calls = new ArrayList<>(batch.size() * 2);
        List<Integer> dropped = new ArrayList<>(0);
        List<Integer> marks = new ArrayList<>(0);
        List<RefAdd> refAdds = new ArrayList<>(0);
        Map<Long, Change.SessionMessageUpdated> folded = foldedUpdates(batch);
        List<io.perch.broker.message.MessageId> mine = new ArrayList<>(0);
        try {
            for (Change c : batch) {
                if (c instanceof Change.SessionMessageUpdated u && folded.get(u.seq()) != null) {
                    continue; // written with its add
                }
                if (c instanceof Change.MessageAdded m) {
                    if (!bodiesWritten.add(m.message().id())) {
                        continue;
                    }
                    mine.add(m.message().id());
                }
                if (c instanceof Change.ForwardMarked) {
                    marks.add(calls.size());
                }
                add(c, calls, dropped, folded, refAdds, memo, spanSlots);
            }
        } catch (RuntimeException e) {
            mine.forEach(bodiesWritten::remove); // not written after all: a later batch writes them
            throw e;
        }
        return new Writes(calls, dropped, marks, refAdds);
    }

    /**
     * A message sent as soon as it was accepted comes as an add and an update in one batch:
     * the entry is written once, in its last phase (one HSET instead of an HSET and a script).
     * Keyed by seq: a session's seqs are unique, and one batch is one session's.
     */
    private static Map<Long, Change.SessionMessageUpdated> foldedUpdates(List<Change> batch) {
        boolean updates = false;
        for (Change c : batch) {
            if (c instanceof Change.SessionMessageUpdated) {
                updates = true;
                break;
            }
        }
        if (!updates) {
            return Map.of(); // queued for a session away: adds only, no set of their seqs to make
        }
        Map<Long, Change.SessionMessageUpdated> last = null;
        java.util.Set<Long> added = null;
        for (Change c : batch) {
            if (c instanceof Change.SessionMessageAdded a) {
                if (added == null) {
                    added = new java.util.HashSet<>();
                }
                added.add(a.seq());
            } else if (c instanceof Change.SessionMessageUpdated u && added != null && added.contains(u.seq())) {
                if (last == null) {
                    last = new java.util.HashMap<>();
                }
                last.put(u.seq(), u);
            }
        }
        return last == null ? Map.of() : last;
    }

    private void add(Change c, List<RedisCall> calls, List<Integer> dropped, Map<Long, Change.SessionMessageUpdated> folded,
                     List<RefAdd> refAdds, WriteMemo memo, boolean spanSlots) {
        if (c instanceof Change.SessionSaved s) {
            saved(s, calls);
        } else if (c instanceof Change.SessionDeleted d) {
            String id = d.clientId();
            willDelays.remove(id);
            dropped.add(calls.size());
            byte[][] keys = {SessionKeys.session(id), SessionKeys.subs(id), SessionKeys.out(id), SessionKeys.rel(id)};
            // In the batch script the bodies are released there and then (the reply is not read);
            // alone (Cluster) the script returns their ids for RedisSessionPersistence to release.
            calls.add(PseudoCommands.drop(r -> r.eval(DROP_SESSION, ScriptOutputType.MULTI, keys), keys[2],
                    OutEntry.LUA_MESSAGE_ID, SessionKeys.BODY_PREFIX, keys[0], keys[1], keys[3]));
            calls.add(zrem(SessionKeys.SESSIONS, id));
            calls.add(zrem(SessionKeys.EXPIRY, id));
            calls.add(zrem(SessionKeys.WILLS, id));
        } else if (c instanceof Change.SubscriptionAdded a) {
            byte[] key = SessionKeys.subs(a.clientId());
            byte[] f = utf8(a.key());
            byte[] v = utf8(SubscriptionValue.encode(a.options()));
            calls.add(ArgvCall.foldable(r -> r.hset(key, f, v), "HSET", key, f, v));
        } else if (c instanceof Change.SubscriptionDeleted d) {
            calls.add(hdel(SessionKeys.subs(d.clientId()), utf8(d.key())));
        } else if (c instanceof Change.MessageAdded m) {
            body(m.message(), calls, memo);
        } else if (c instanceof Change.SessionMessageAdded a) {
            String idText = memo.id(a.messageId());
            byte[] key = SessionKeys.out(a.clientId());
            byte[] f = seq(a.seq());
            Change.SessionMessageUpdated sent = folded.isEmpty() ? null : folded.get(a.seq());
            byte[] v = memo.entry(a.messageId(), new OutEntry(sent == null ? Phase.QUEUED : sent.phase(),
                    sent == null ? 0 : sent.packetId(), idText, a.qos(), a.retain(), a.subscriptionIds(), a.shareGroup(),
                    a.shareFilter()));
            byte[] body = SessionKeys.body(idText);
            if (a.again() && spanSlots) {
                calls.add(PseudoCommands.putRef(key, f, v, body));
                return;
            }
            // On a Redis Cluster an entry written again still adds a reference even when the
            // first write survived: that body then stays until the message expires (README).
            calls.add(ArgvCall.foldable(r -> r.hset(key, f, v), "HSET", key, f, v));
            refAdds.add(new RefAdd(calls.size(), body));
            calls.add(addRefs(body, 1));
        } else if (c instanceof Change.SessionMessageUpdated u) {
            calls.add(PseudoCommands.setHead(SessionKeys.out(u.clientId()), seq(u.seq()), OutEntry.head(u.phase(), u.packetId())));
        } else if (c instanceof Change.SessionMessageDeleted d) {
            calls.add(hdel(SessionKeys.out(d.clientId()), seq(d.seq())));
            calls.add(PseudoCommands.unref(SessionKeys.body(memo.id(d.messageId()))));
        } else if (c instanceof Change.ForwardMarked m) {
            byte[] key = SessionKeys.session(m.clientId());
            byte[] f = utf8(FORWARD_MARK + m.inbox());
            byte[] v = utf8(m.entryId());
            calls.add(ArgvCall.of(r -> r.hset(key, f, v), "HSET", key, f, v));
        } else if (c instanceof Change.AwaitingRelAdded a) {
            byte[] key = SessionKeys.rel(a.clientId());
            byte[] m = utf8(Integer.toString(a.packetId()));
            calls.add(ArgvCall.of(r -> r.sadd(key, m), "SADD", key, m));
        } else if (c instanceof Change.AwaitingRelDeleted d) {
            byte[] key = SessionKeys.rel(d.clientId());
            byte[] m = utf8(Integer.toString(d.packetId()));
            calls.add(ArgvCall.of(r -> r.srem(key, m), "SREM", key, m));
        } else if (c instanceof Change.WillSet w) {
            byte[] key = SessionKeys.session(w.clientId());
            calls.add(hdelWill(key));
            List<byte[]> kv = WillFields.fields(w.will(), w.delaySeconds(), compat);
            calls.add(hset(key, kv));
            willDelays.put(w.clientId(), w.delaySeconds());
            // Set while its client is connected: due only once the connection ends (see SessionSaved).
            calls.add(zadd(SessionKeys.WILLS, Double.POSITIVE_INFINITY, w.clientId()));
        } else if (c instanceof Change.WillDeleted w) {
            willDelays.remove(w.clientId());
            calls.add(hdelWill(SessionKeys.session(w.clientId())));
            calls.add(zrem(SessionKeys.WILLS, w.clientId()));
        } else {
            throw new IllegalArgumentException("unknown change " + c.getClass().getSimpleName());
        }
    }

    private void saved(Change.SessionSaved s, List<RedisCall> calls) {
        String id = s.clientId();
        List<byte[]> kv = new java.util.ArrayList<>(List.of(PROTO, utf8(Integer.toString(s.protocolVersion())),
                EXPIRY, utf8(Long.toString(s.expiryIntervalSeconds())),
                DISCONNECTED_AT, utf8(Long.toString(s.disconnectedAt()))));
        if (s.createdAt() > 0) { // 0: not known to the writer (a restart writing back a dormant session)
            kv.add(CREATED_AT);
            kv.add(utf8(Long.toString(s.createdAt())));
        }
        calls.add(hset(SessionKeys.session(id), kv));
        calls.add(zadd(SessionKeys.SESSIONS, 0, id));
        boolean connected = s.disconnectedAt() == 0;
        if (connected || s.expiryIntervalSeconds() == NEVER_EXPIRE) {
            calls.add(zrem(SessionKeys.EXPIRY, id));
        } else {
            calls.add(zadd(SessionKeys.EXPIRY, s.disconnectedAt() + s.expiryIntervalSeconds() * 1000, id));
        }
        Long delay = willDelays.get(id);
        if (delay != null) {
            calls.add(zadd(SessionKeys.WILLS, connected ? Double.POSITIVE_INFINITY : s.disconnectedAt() + delay * 1000, id));
        }
    }

    /**
     * Re-written on every add (HSET leaves {@code refs} alone): a body whose last reference went
     * meanwhile comes back whole, so releasing a deleted session's bodies later is safe.
     */
    private void body(Message m, List<RedisCall> calls, WriteMemo memo) {
        String idText = memo.id(m.id());
        byte[] key = SessionKeys.body(idText);
        calls.add(hset(key, MessageHash.fields(m, compat, idText)));
        if (m.expiresAt() != 0) {
            long at = m.expiresAt();
            calls.add(ArgvCall.of(r -> r.pexpireat(key, at), "PEXPIREAT", key, at));
        }
    }

    /** {@code n} more queue entries refer to the body at {@code body}. */
    static RedisCall addRefs(byte[] body, long n) {
        return ArgvCall.of(r -> r.hincrby(body, REFS, n), "HINCRBY", body, REFS, n);
    }

    private static byte[] seq(long seq) {
        return utf8(Long.toString(seq));
    }

    /** Session hash field prefix: {@code fwd:<inbox>} = the last entry id of that inbox whose QoS 2 message the session took. */
    static final String FORWARD_MARK = "fwd:";

    /** The forward marks of a session hash: inbox -> entry id. */
    static Map<String, String> forwardMarks(Map<String, byte[]> hash) {
        Map<String, String> marks = null;
        for (Map.Entry<String, byte[]> e : hash.entrySet()) {
            if (e.getKey().startsWith(FORWARD_MARK)) {
                if (marks == null) {
                    marks = new java.util.HashMap<>(2);
                }
                marks.put(e.getKey().substring(FORWARD_MARK.length()), str(e.getValue()));
            }
        }
        return marks == null ? Map.of() : marks;
    }

    private static RedisCall hset(byte[] key, List<byte[]> kv) {
        Object[] argv = new Object[2 + kv.size()];
        argv[0] = "HSET";
        argv[1] = key;
        for (int i = 0; i < kv.size(); i++) {
            argv[2 + i] = kv.get(i);
        }
        return ArgvCall.of(r -> r.hset(key, MessageHash.asMap(kv)), argv);
    }

    private static RedisCall hdel(byte[] key, byte[] field) {
        return ArgvCall.foldable(r -> r.hdel(key, field), "HDEL", key, field);
    }

    private static RedisCall hdelWill(byte[] key) {
        Object[] argv = new Object[2 + WillFields.ALL.length];
        argv[0] = "HDEL";
        argv[1] = key;
        System.arraycopy(WillFields.ALL, 0, argv, 2, WillFields.ALL.length);
        return ArgvCall.of(r -> r.hdel(key, WillFields.ALL), argv);
    }

    private static RedisCall zadd(byte[] key, double score, String member) {
        byte[] m = utf8(member);
        Object s = Double.isInfinite(score) ? "+inf" : (Object) score;
        return ArgvCall.of(r -> r.zadd(key, score, m), "ZADD", key, s, m);
    }

    private static RedisCall zrem(byte[] key, String member) {
        byte[] m = utf8(member);
        return ArgvCall.of(r -> r.zrem(key, m), "ZREM", key, m);
    }
}
