package io.perch.jmh;

import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.topic.SubscriptionTree;
import org.openjdk.jmh.annotations.*;
import org.openjdk.jmh.infra.Blackhole;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Matching a topic against 100,000 subscriptions: 90 % exact filters
 * ({@code site/<s>/device/<d>/temp}), 10 % wildcards ({@code site/<s>/+/<d>/#},
 * {@code site/<s>/#}). The trie visits only the paths a topic can take, so the cost should
 * not grow with the number of subscriptions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TopicMatchBenchmark {
    @Param({"100000"})
    int subscriptions;

    SubscriptionTree<Object> tree;
    String[] topics;
    int next;

    @Setup
    public void setup() {
        tree = new SubscriptionTree<>();
        SplittableRandom r = new SplittableRandom(42);
        SubscriptionOptions o = SubscriptionOptions.ofQos(1);
        for (int i = 0; i < subscriptions; i++) {
            Object subscriber = new Object();
            int site = r.nextInt(1000);
            int device = r.nextInt(1000);
            String filter = switch (i % 10) {
                case 0 -> "site/" + site + "/+/" + device + "/#";
                case 1 -> i % 20 == 1 ? "site/" + site + "/#" : "site/" + site + "/device/" + device + "/temp";
                default -> "site/" + site + "/device/" + device + "/temp";
            };
            tree.add(filter, subscriber, o);
        }
        topics = new String[4096];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = "site/" + r.nextInt(1000) + "/device/" + r.nextInt(1000) + "/temp";
        }
    }

    @Benchmark
    public void match(Blackhole bh) {
        String topic = topics[next++ & (topics.length - 1)];
        tree.match(topic, new SubscriptionTree.Matches<>() {
            @Override
            public void subscriber(Object s, SubscriptionOptions options) {
                bh.consume(s);
            }

            @Override
            public void group(SubscriptionTree.SharedGroup<Object> group) {
                bh.consume(group);
            }
        });
    }
}
