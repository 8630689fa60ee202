package io.perch.redis.client;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds like calls of one write ({@link ArgvCall#foldable}) into one command per run: the
 * one-field {@code HSET}s, {@code HDEL}s or {@code PERCH.SETHEAD}s of one hash, or the
 * {@code PERCH.UNREF}s of one message body, up to the first call that does not commute with
 * them. Why: a message queued for ten sessions away is a queue entry in each session's hash,
 * and a write of 33 such messages was 330 {@code HSET}s; folded it is ten of 33 fields each. Its
 * ten acknowledgements were ten {@code UNREF}s of its body; folded, one that takes ten
 * references. Redis spends far less per field than per command, above all inside the batch
 * script, where each command is a Lua call.
 *
 * <p>The folded command takes the place of the run's last member. So whatever came before a
 * member still comes before it (a queue entry after its message's body, stored earlier in the
 * write, which matters where a write is not applied whole; a reference taken before it is let
 * go), and each member moves later only past calls it commutes with: one-field calls of another
 * name on other fields of the same hash (a delivered message's update beside an earlier one's
 * acknowledgement), and calls on other keys. A call that names the key otherwise, a one-field
 * call of another name on a field of the run, or any call that is not an {@link ArgvCall} (it
 * may name any key) ends the run first. Within a run order is kept: a field named twice ends
 * with its later value.
 *
 * <p>Stateless; the caller owns the lists.
 */
public final class WriteFolds {
    /**
     * Members per folded command at most: the batch script hands a command its arguments with
     * Lua's {@code unpack}, which Redis's Lua refuses past about 8,000 values ("too many results
     * to unpack"), and a refused script makes the pool write command by command from then on.
     */
    static final int MAX_MEMBERS = 256;

    private WriteFolds() {
    }

    /** One run: its command name, key, fields, and the indexes and calls of its members, in order. */
    private static final class Run {
        final byte[] name;
        final byte[] key;
        final Set<ByteBuffer> fields = new HashSet<>();
        final List<Integer> at = new ArrayList<>(4);
        final List<ArgvCall> members = new ArrayList<>(4);

        Run(byte[] name, byte[] key) {
            this.name = name;
            this.key = key;
        }

        void add(int index, ArgvCall call) {
            at.add(index);
            members.add(call);
            if (call.argv().length > 2) {
                fields.add(ByteBuffer.wrap(call.argv()[2]));
            }
        }

        ArgvCall folded() {
            String command = new String(name, java.nio.charset.StandardCharsets.US_ASCII);
            if (command.equals(PseudoCommands.UNREF)) {
                byte[][] argv = {name, key, Integer.toString(members.size()).getBytes(java.nio.charset.StandardCharsets.US_ASCII)};
                return ArgvCall.folded(PseudoCommands.direct(argv), argv);
            }
            int width = command.equals("HDEL") ? 1 : 2;
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
            if (command.equals("HSET")) {
                // Keyed by array identity: a field named twice is sent twice, and Redis applies
                // the pairs in order, as the script does.
                Map<byte[], byte[]> pairs = new LinkedHashMap<>();
                for (int p = 2; p < argv.length; p += 2) {
                    pairs.put(argv[p], argv[p + 1]);
                }
                direct = r -> r.hset(key, pairs);
            } else if (command.equals("HDEL")) {
                byte[][] fieldArgs = Arrays.copyOfRange(argv, 2, argv.length);
                direct = r -> r.hdel(key, fieldArgs);
            } else {
                direct = PseudoCommands.direct(argv);
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
        Folding f = new Folding(n);
        for (int i = 0; i < n; i++) {
            RedisCall c = calls.get(i);
            if (!(c instanceof ArgvCall a)) {
                f.closeAll();
                continue;
            }
            byte[][] argv = a.argv();
            if (a.isFoldable()) {
                f.foldable(i, a);
                continue;
            }
            if (f.open.isEmpty()) {
                continue;
            }
            for (int k = 1; k < argv.length; k++) {
                if (f.openLengths.containsKey(argv[k].length)) {
                    f.closeKey(ByteBuffer.wrap(argv[k]));
                }
            }
        }
        f.closeAll();
        if (!f.any) {
            return calls;
        }
        int[] newIndex = new int[n];
        List<RedisCall> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (f.removed[i]) {
                newIndex[i] = -1;
                continue;
            }
            newIndex[i] = out.size();
            out.add(f.replaced[i] != null ? f.replaced[i] : calls.get(i));
        }
        for (int p = 0; p < positions.size(); p++) {
            int from = positions.get(p);
            if (newIndex[from] < 0 || f.replaced[from] != null) {
                throw new IllegalArgumentException("a read reply's call was folded: " + from);
            }
            positions.set(p, newIndex[from]);
        }
        return out;
    }

    /** The state of one {@link #fold}: the open runs by key, and what becomes of each call. */
    private static final class Folding {
        final Map<ByteBuffer, List<Run>> open = new HashMap<>();
        /** Key length -> runs open with a key that long: most arguments are not looked up. */
        final Map<Integer, Integer> openLengths = new HashMap<>();
        final ArgvCall[] replaced;
        final boolean[] removed;
        boolean any;

        Folding(int n) {
            replaced = new ArgvCall[n];
            removed = new boolean[n];
        }

        void foldable(int index, ArgvCall a) {
            byte[][] argv = a.argv();
            ByteBuffer key = ByteBuffer.wrap(argv[1]);
            ByteBuffer field = argv.length > 2 ? ByteBuffer.wrap(argv[2]) : null;
            List<Run> runs = open.get(key);
            Run same = null;
            if (runs != null) {
                for (int r = runs.size() - 1; r >= 0; r--) {
                    Run run = runs.get(r);
                    if (Arrays.equals(run.name, argv[0])) {
                        same = run;
                    } else if (field == null || run.fields.isEmpty() || run.fields.contains(field)) {
                        // An UNREF (no field) does not commute with anything else on its key.
                        runs.remove(r);
                        close(run);
                    }
                }
            } else {
                runs = new ArrayList<>(2);
                open.put(key, runs);
            }
            if (same == null) {
                same = new Run(argv[0], argv[1]);
                runs.add(same);
                openLengths.merge(argv[1].length, 1, Integer::sum);
            }
            same.add(index, a);
            if (same.members.size() == MAX_MEMBERS) {
                runs.remove(same);
                close(same);
            }
            if (runs.isEmpty()) {
                open.remove(key);
            }
        }

        void closeKey(ByteBuffer key) {
            List<Run> runs = open.remove(key);
            if (runs != null) {
                runs.forEach(this::close);
            }
        }

        void closeAll() {
            for (List<Run> runs : open.values()) {
                runs.forEach(this::close);
            }
            open.clear();
            openLengths.clear();
        }

        /** Puts a run of two or more in place of its last member. */
        private void close(Run run) {
            openLengths.computeIfPresent(run.key.length, (len, count) -> count == 1 ? null : count - 1);
            if (run.members.size() < 2) {
                return;
            }
            for (int m = 0; m < run.at.size() - 1; m++) {
                removed[run.at.get(m)] = true;
            }
            replaced[run.at.get(run.at.size() - 1)] = run.folded();
            any = true;
        }
    }
}
