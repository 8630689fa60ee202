package io.perch.redis.cluster;

import io.lettuce.core.ScriptOutputType;
import io.perch.redis.client.RedisLink;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** EVAL over a cluster component's own connection, and the text conversions its replies need. Stateless. */
final class Lua {
    private Lua() {
    }

    /**
     * Runs {@code script}; the reply as a list ({@link ScriptOutputType#MULTI}). The pool's
     * connections have no per-command timeout (see PoolConnector), so a reply later than
     * {@code timeout} fails the stage here. A command Lettuce rejects (disconnected) fails it too.
     */
    static CompletableFuture<List<Object>> eval(RedisLink link, String script, List<String> keys, List<String> args,
                                                Duration timeout) {
        try {
            byte[][] k = keys.stream().map(Lua::bytes).toArray(byte[][]::new);
            byte[][] a = args.stream().map(Lua::bytes).toArray(byte[][]::new);
            CompletableFuture<List<Object>> f = link.commands().<List<Object>>eval(script, ScriptOutputType.MULTI, k, a)
                    .toCompletableFuture();
            return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The same, for a script returning one integer. */
    static CompletableFuture<Long> evalLong(RedisLink link, String script, List<String> keys, List<String> args,
                                            Duration timeout) {
        try {
            byte[][] k = keys.stream().map(Lua::bytes).toArray(byte[][]::new);
            byte[][] a = args.stream().map(Lua::bytes).toArray(byte[][]::new);
            CompletableFuture<Long> f = link.commands().<Long>eval(script, ScriptOutputType.INTEGER, k, a)
                    .toCompletableFuture();
            return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    /** The cause worth logging of a failed stage. */
    static String why(Throwable e) {
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c.toString();
    }
}
