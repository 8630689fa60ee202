package io.perch.broker.protocol;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A connection's acknowledgements of inbound PUBLISH and PUBREL, each sent only once the
 * writes it stands for are durable, and in the order the packets came (MQTT-4.6.0-2/-3: a
 * PUBACK never overtakes an earlier one, whatever its write's timing). Waiting does not hold
 * up the next packet: routing goes on while Redis answers, so a publisher's stream is bounded
 * by the store's throughput, not its round trip. More than {@link #MAX_WAITING} waiting
 * acknowledgements pause reading until half are sent. Event loop only.
 */
final class AckOrder {
    static final int MAX_WAITING = 1024;

    private record Waiting(CompletableFuture<Void> stored, Runnable send, Consumer<Throwable> failed) {
    }

    private final MqttConnection c;
    /** Made when the first acknowledgement waits: most connections never wait (no durable store). */
    private ArrayDeque<Waiting> waiting;
    private Runnable drainTask;

    AckOrder(MqttConnection c) {
        this.c = c;
    }

    /** Runs {@code send} once {@code stored} completed and every earlier acknowledgement went; {@code failed} if it failed. */
    void after(CompletionStage<Void> stored, Runnable send, Consumer<Throwable> failed) {
        CompletableFuture<Void> f = stored.toCompletableFuture();
        if ((waiting == null || waiting.isEmpty()) && f.isDone()) {
            run(new Waiting(f, send, failed));
            return;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>();
            drainTask = this::drain;
        }
        waiting.add(new Waiting(f, send, failed));
        if (waiting.size() == MAX_WAITING) {
            c.pauseRead(MqttConnection.PAUSE_DURABLE);
        }
        // Also when it completed since the check above (on another thread): then this runs at
        // once and queues the drain. Skipping it left the acknowledgement waiting for another
        // completion that a client waiting for this very PUBACK never causes.
        f.whenComplete((v, e) -> c.ctx.executor().execute(drainTask));
    }

    /** Sends acknowledgements from the head while their writes are done. */
    private void drain() {
        for (Waiting w; (w = waiting.peek()) != null && w.stored().isDone(); ) {
            waiting.poll();
            run(w);
        }
        if (waiting.size() <= MAX_WAITING / 2) {
            c.resumeRead(MqttConnection.PAUSE_DURABLE);
        }
    }

    private static void run(Waiting w) {
        if (w.stored().isCompletedExceptionally()) {
            Throwable err;
            try {
                w.stored().join();
                err = null;
            } catch (RuntimeException e) {
                err = e.getCause() != null ? e.getCause() : e;
            }
            w.failed().accept(err);
        } else {
            w.send().run();
        }
    }

    /** How many acknowledgements wait for their writes (for tests and operators). */
    int size() {
        return waiting == null ? 0 : waiting.size();
    }
}
