package io.perch.redis.client;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The command that follows a batch holding durable writes ({@code WAIT n timeout} or
 * {@code WAITAOF 1 0 timeout}) and what its reply means. It is a separate command after the
 * batch's commands, never inside the write script: Redis refuses both inside {@code EVAL}.
 * Since Redis answers a connection's commands in order, its reply covers every write sent
 * before it on that connection. Used by the pipeline's worker thread only.
 */
final class DurabilityBarrier {
    /** Lettuce 6.5 has no WAITAOF command type. */
    private static final ProtocolKeyword WAITAOF = new ProtocolKeyword() {
        private final byte[] bytes = "WAITAOF".getBytes(StandardCharsets.US_ASCII);

        @Override
        public byte[] getBytes() {
            return bytes;
        }

        @Override
        public String toString() {
            return "WAITAOF";
        }
    };

    private DurabilityBarrier() {
    }

    /** True when the batch holds a durable write and the mode asks for more than a reply. */
    static boolean needed(Durability durability, List<RedisOp> batch) {
        if (!durability.needsBarrier()) {
            return false;
        }
        for (RedisOp op : batch) {
            if (op.durable) {
                return true;
            }
        }
        return false;
    }

    /** Queues the barrier on the link (flushed with the batch). */
    static RedisFuture<?> issue(RedisLink link, Durability durability) {
        long ms = durability.timeout().toMillis();
        if (durability.mode() == Durability.Mode.REPLICAS) {
            return link.commands().waitForReplication(durability.replicas(), ms);
        }
        // numlocal 1: the master's own AOF; numreplicas 0: replicas are what replicas:N is for.
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE).add(1).add(0).add(ms);
        return link.commands().dispatch(WAITAOF, new ArrayOutput<>(ByteArrayCodec.INSTANCE), args);
    }

    /** Why the barrier's reply falls short of the mode, or null when it is met. */
    static String shortfall(Durability durability, Object reply) {
        long ms = durability.timeout().toMillis();
        if (durability.mode() == Durability.Mode.REPLICAS) {
            long acked = reply instanceof Number n ? n.longValue() : -1;
            if (acked >= durability.replicas()) {
                return null;
            }
            return acked + " of " + durability.replicas() + " replicas acknowledged within " + ms + " ms"
                    + " (persistence.ack = " + durability + ")";
        }
        long local = reply instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Number n ? n.longValue() : -1;
        if (local >= 1) {
            return null;
        }
        return "the master's AOF was not fsynced within " + ms + " ms (WAITAOF answered " + reply
                + "; persistence.ack = fsync)";
    }

    /** A refusal of the barrier command itself (an ACL, an AOF turned off, a replica). */
    static String refused(Durability durability, Throwable error) {
        return "Redis refused " + (durability.mode() == Durability.Mode.REPLICAS ? "WAIT" : "WAITAOF") + ": "
                + error.getMessage() + " (persistence.ack = " + durability + ")";
    }
}
