package io.perch.redis.session;

import io.lettuce.core.cluster.SlotHash;
import io.perch.redis.client.ArgvCall;
import io.perch.redis.client.PseudoCommands;
import io.perch.redis.client.RedisCall;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One client's fenced batch on a Redis Cluster pool, where no script spans slots. Split in three:
 * <ul>
 *   <li>the fence and every command on the client's own slot (its session keys share the owner
 *       hash's hash tag) as one script there ({@link PseudoCommands#fencedRun}): a stale writer's
 *       session changes are not applied at all;</li>
 *   <li>what only adds to a message body (its fields, a reference, its expiry), sent beside the
 *       script: a stale writer's body costs at most a reference that is never released;</li>
 *   <li>the rest (the session indexes, body releases, forward marks), sent only once the script
 *       replied that the fence let it through: a stale writer must not take a body the owner
 *       still needs, nor touch the indexes of a session that is no longer its own; and a mark
 *       must not be stored before the message it marks, body included.</li>
 * </ul>
 * Stateless.
 */
final class SlotFence {
    private static final byte[] UNREF = PseudoCommands.UNREF.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BODY = SessionKeys.BODY_PREFIX.getBytes(StandardCharsets.UTF_8);

    /**
     * @param script  the fence and the commands on the client's slot
     * @param beside  what goes in the same write as the script
     * @param after   what goes once the fence let the script through
     * @param dropped for each command of {@code dropped} in the batch: where its reply is, as the
     *                index of its reply in the script's reply list (1 + its place), or -1 - its
     *                place in {@code after}
     */
    record Split(RedisCall script, List<RedisCall> beside, List<RedisCall> after, List<Integer> dropped) {
    }

    private SlotFence() {
    }

    static Split split(byte[] ownerKey, long epoch, SessionWrites.Writes w) {
        int slot = SlotHash.getSlot(ownerKey);
        List<ArgvCall> inside = new ArrayList<>();
        List<RedisCall> beside = new ArrayList<>();
        List<RedisCall> after = new ArrayList<>();
        List<Integer> dropped = new ArrayList<>(w.dropped().size());
        List<RedisCall> calls = w.calls();
        for (int i = 0; i < calls.size(); i++) {
            RedisCall c = calls.get(i);
            boolean wantsReply = w.dropped().contains(i);
            if (w.marks().contains(i)) {
                after.add(c); // a forward mark only once the message it marks is stored (bodies are elsewhere)
            } else if (c instanceof ArgvCall a && a.argv().length > 1 && SlotHash.getSlot(a.argv()[1]) == slot) {
                if (wantsReply) {
                    dropped.add(1 + inside.size());
                }
                inside.add(a);
            } else if (!wantsReply && addsToBody(c)) {
                beside.add(c);
            } else {
                if (wantsReply) {
                    dropped.add(-1 - after.size());
                }
                after.add(c);
            }
        }
        return new Split(PseudoCommands.fencedRun(ownerKey, epoch, inside), beside, after, dropped);
    }

    private static boolean addsToBody(RedisCall c) {
        if (!(c instanceof ArgvCall a) || a.argv().length < 2) {
            return false;
        }
        byte[][] argv = a.argv();
        return !java.util.Arrays.equals(argv[0], UNREF) && startsWith(argv[1], BODY);
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
