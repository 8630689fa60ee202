package io.perch.redis.client;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds the one-field {@code HSET}s and {@code HDEL}s of one write ({@link ArgvCall#oneField})
 * into one command per run: the calls of one name on one key with no other call of the write
 * naming that key between them. Why: a message queued for ten sessions away is a queue entry in
 * each session's hash, and a write of 33 such messages was 330 {@code HSET}s; folded it is ten
 * of 33 fields each, and Redis spends far less per field than per command (above all inside
 * the batch script, where each command is a Lua call).
 *
 * <p>The folded command takes the place of the run's last member, so whatever came before a
 * member still comes before it (a queue entry after its message's body, stored earlier in the
 * write; which matters where the write is not applied whole), and no call naming the key is
 * crossed. {@code HSET} applies its pairs from left to right, so a field set twice in a run
 * keeps the later value, as before. Any call that is not an {@link ArgvCall} may name any key:
 * it ends every run.
 *
 * <p>Stateless; the caller owns the lists.
 */
public final class FieldRuns {
    /**
     * Members per folded command at most: the batch script hands a command its arguments with
     * Lua's {@code unpack}, which Redis's Lua refuses past about 8,000 values ("too many results
     * to unpack"), and a refused script makes the pool write command by command from then on.
     */
    static final int MAX_MEMBERS = 256;

    private FieldRuns() {
    }

    /** One run: its command name, key, and the indexes and calls of its members, in order. */
    private static final class Run {
        final byte[] name;
        final byte[] key;
        final List<Integer> at = new ArrayList<>(4);
        final List<ArgvCall> members = new ArrayList<>(4);

        Run(byte[] name, byte[] key) {
            this.name = name;
            this.key = key;
        }

        ArgvCall folded() {
            boolean hset = name.length == 4 && name[1] == 'S';
            int width = hset ? 2 : 1;
            byte[][] argv = new byte[2 + width * members.size()][];
            argv[0] = name;
            argv[1] = key;
            int i = 2;
            for (ArgvCall m : members) {
                for (int k = 0; k < width; k++) {
                    argv[i++] = m.argv()[2 + k];
                }
            }
            RedisCall direct;
            if (hset) {
                // Keyed by array identity: a field named twice is sent twice, and Redis applies
                // the pairs in order, as the script does.
                Map<byte[], byte[]> pairs = new LinkedHashMap<>();
                for (int p = 2; p < argv.length; p += 2) {
                    pairs.put(argv[p], argv[p + 1]);
                }
                direct = r -> r.hset(key, pairs);
            } else {
                byte[][] fields = java.util.Arrays.copyOfRange(argv, 2, argv.length);
                direct = r -> r.hdel(key, fields);
            }
            return ArgvCall.folded(direct, argv);
        }
    }

    /**
     * The calls with each run folded; {@code positions} (indexes into {@code calls} of calls
     * whose replies are read, never one-field calls) are rewritten to the new indexes.
     */
    public static List<RedisCall> fold(List<RedisCall> calls, List<Integer> positions) {
        int n = calls.size();
        ArgvCall[] replaced = new ArgvCall[n];
        boolean[] removed = new boolean[n];
        Map<ByteBuffer, Run> open = new HashMap<>();
        Map<Integer, Integer> openLengths = new HashMap<>(); // key length -> runs open with it
        boolean any = false;
        for (int i = 0; i < n; i++) {
            RedisCall c = calls.get(i);
            if (!(c instanceof ArgvCall a)) {
                any |= closeAll(open, openLengths, replaced, removed);
                continue;
            }
            byte[][] argv = a.argv();
            if (a.isOneField()) {
                ByteBuffer key = ByteBuffer.wrap(argv[1]);
                Run run = open.get(key);
                if (run != null && !java.util.Arrays.equals(run.name, argv[0])) {
                    any |= close(open.remove(key), openLengths, replaced, removed);
                    run = null;
                }
                if (run == null) {
                    run = new Run(argv[0], argv[1]);
                    open.put(key, run);
                    openLengths.merge(argv[1].length, 1, Integer::sum);
                }
                run.at.add(i);
                run.members.add(a);
                if (run.members.size() == MAX_MEMBERS) {
                    any |= close(open.remove(key), openLengths, replaced, removed);
                }
                continue;
            }
            if (open.isEmpty()) {
                continue;
            }
            for (int k = 1; k < argv.length; k++) {
                if (openLengths.containsKey(argv[k].length)) {
                    Run run = open.remove(ByteBuffer.wrap(argv[k]));
                    if (run != null) {
                        any |= close(run, openLengths, replaced, removed);
                    }
                }
            }
        }
        any |= closeAll(open, openLengths, replaced, removed);
        if (!any) {
            return calls;
        }
        int[] newIndex = new int[n];
        List<RedisCall> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (removed[i]) {
                newIndex[i] = -1;
                continue;
            }
            newIndex[i] = out.size();
            out.add(replaced[i] != null ? replaced[i] : calls.get(i));
        }
        for (int p = 0; p < positions.size(); p++) {
            int to = newIndex[positions.get(p)];
            if (to < 0 || replaced[positions.get(p)] != null) {
                throw new IllegalArgumentException("a read reply's call was folded: " + positions.get(p));
            }
            positions.set(p, to);
        }
        return out;
    }

    private static boolean closeAll(Map<ByteBuffer, Run> open, Map<Integer, Integer> openLengths,
                                    ArgvCall[] replaced, boolean[] removed) {
        boolean any = false;
        for (Run run : open.values()) {
            any |= close(run, null, replaced, removed);
        }
        open.clear();
        openLengths.clear();
        return any;
    }

    /** Puts a run of two or more in place of its last member; true when it folded anything. */
    private static boolean close(Run run, Map<Integer, Integer> openLengths, ArgvCall[] replaced, boolean[] removed) {
        if (openLengths != null) {
            openLengths.computeIfPresent(run.key.length, (len, count) -> count == 1 ? null : count - 1);
        }
        if (run.members.size() < 2) {
            return false;
        }
        for (int m = 0; m < run.at.size() - 1; m++) {
            removed[run.at.get(m)] = true;
        }
        replaced[run.at.get(run.at.size() - 1)] = run.folded();
        return true;
    }
}
