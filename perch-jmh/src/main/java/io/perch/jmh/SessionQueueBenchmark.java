package io.perch.jmh;

import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageIdGenerator;
import io.perch.broker.message.PublishProperties;
import io.perch.broker.session.Pending;
import io.perch.broker.session.Session;
import io.perch.broker.session.SessionConnection;
import io.perch.broker.session.SessionListener;
import io.perch.broker.stats.BrokerStats;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * One QoS 1 message through a session: offer (window open: packet id, in-flight entry, write
 * hand-off), then PUBACK (release, pump). And with a full window: offer queues, PUBACK pumps
 * the next from the queue. The connection is a sink, so this measures the session alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SessionQueueBenchmark {
    Session session;
    Message message;
    int lastId;

    @Setup
    public void setup(Blackhole bh) {
        BrokerStats stats = new BrokerStats();
        SessionListener listener = SessionListener.NONE;
        session = new Session("bench", ClientInfo.system("bench", "n@h"), 32, 1000, true, 100, listener, stats);
        session.attach(new SessionConnection() {
            @Override
            public boolean sendPublish(Pending p, int packetId, boolean dup) {
                lastId = packetId;
                bh.consume(p);
                return true;
            }

            @Override
            public void sendPubrel(int packetId) {
            }

            @Override
            public boolean isWritable() {
                return true;
            }

            @Override
            public int receiveMaximum() {
                return 65535;
            }

            @Override
            public void disconnect(Close why) {
            }
        }, ClientInfo.system("bench", "n@h"));
        message = new Message(new MessageIdGenerator("n@h").next(), "a/b/c", new byte[64], 1, false, "p", null,
                System.currentTimeMillis(), 0, PublishProperties.NONE);
    }

    @Benchmark
    public void offerThenAck() {
        session.offer(Pending.of(message, 1, false, null));
        session.puback(lastId);
    }
}
