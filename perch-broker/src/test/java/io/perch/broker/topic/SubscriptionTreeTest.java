package io.perch.broker.topic;

import io.perch.broker.message.SubscriptionOptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The trie against the one filter matcher ({@link Topics#matches}), and its group and pruning upkeep. */
class SubscriptionTreeTest {
    private static final SubscriptionOptions QOS1 = new SubscriptionOptions(1, false, false, 0, 0, null);
    private static final String[] LEVELS = {"a", "b", "", "$s"};

    private static Set<String> matched(SubscriptionTree<String> tree, String topic) {
        Set<String> out = new HashSet<>();
        tree.match(topic, new SubscriptionTree.Matches<>() {
            @Override
            public void subscriber(String s, SubscriptionOptions o) {
                out.add(s);
            }

            @Override
            public void group(SubscriptionTree.SharedGroup<String> g) {
                out.add("group:" + g.group + ":" + g.filter);
            }
        });
        return out;
    }

    private static String randomTopic(Random r) {
        int n = 1 + r.nextInt(4);
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(LEVELS[r.nextInt(i == 0 ? LEVELS.length : LEVELS.length - 1)]);
        }
        return String.join("/", l);
    }

    private static String randomFilter(Random r) {
        int n = 1 + r.nextInt(4);
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(7);
            if (k == 0 && i == n - 1) {
                l.add("#");
            } else if (k <= 2) {
                l.add("+");
            } else {
                l.add(LEVELS[r.nextInt(LEVELS.length)]);
            }
        }
        return String.join("/", l);
    }

    @Test
    void treeMatchesExactlyTheFiltersTopicsMatchesAccepts() {
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            SubscriptionTree<String> tree = new SubscriptionTree<>();
            Map<String, String> filterOf = new HashMap<>();
            for (int i = 0; i < 30; i++) {
                String f = randomFilter(r);
                filterOf.put("s" + i, f);
                tree.add(f, "s" + i, QOS1);
            }
            for (int t = 0; t < 30; t++) {
                String topic = randomTopic(r);
                Set<String> expected = new HashSet<>();
                filterOf.forEach((s, f) -> {
                    if (Topics.matches(f, topic)) {
                        expected.add(s);
                    }
                });
                assertThat(matched(tree, topic)).as("topic %s against %s", topic, filterOf).isEqualTo(expected);
            }
        }
    }

    @Test
    void sharedGroupsAreReportedOncePerGroupAndGoWithTheirLastMember() {
        SubscriptionTree<String> tree = new SubscriptionTree<>();
        tree.addShared("g", "a/+", "m1", QOS1);
        tree.addShared("g", "a/+", "m2", QOS1);
        tree.add("a/#", "plain", QOS1);
        assertThat(matched(tree, "a/x")).containsExactlyInAnyOrder("plain", "group:g:a/+");
        assertThat(tree.sharedMembers("g", "a/+")).extracting(Map.Entry::getKey).containsExactly("m1", "m2");

        tree.removeShared("g", "a/+", "m1");
        tree.removeShared("g", "a/+", "m2");
        assertThat(tree.sharedMembers("g", "a/+")).isEmpty();
        assertThat(matched(tree, "a/x")).containsExactly("plain");
        assertThat(tree.sharedSize()).isZero();
    }

    @Test
    void removingTheLastSubscriberPrunesTheBranch() {
        SubscriptionTree<String> tree = new SubscriptionTree<>();
        tree.add("x/y/z", "s", QOS1);
        tree.add("x", "t", QOS1);
        tree.remove("x/y/z", "s");
        List<String> filters = new ArrayList<>();
        tree.forEachFilter((f, n) -> filters.add(f + "=" + n));
        assertThat(filters).containsExactly("x=1");
        assertThat(tree.size()).isEqualTo(1);
    }

    @Test
    void everySubscriberIsWalkedUnderItsFilter() {
        SubscriptionTree<String> tree = new SubscriptionTree<>();
        tree.add("a/+", "n1", QOS1);
        tree.add("a/+", "n2", QOS1);
        tree.addShared("g", "a/+", "n3", QOS1);
        tree.add("#", "n1", QOS1);
        tree.add("b", "n2", QOS1);
        tree.remove("b", "n2");
        List<String> pairs = new ArrayList<>();
        tree.forEachSubscriber((f, s) -> pairs.add(f + "@" + s));
        assertThat(pairs).containsExactlyInAnyOrder("a/+@n1", "a/+@n2", "a/+@n3", "#@n1");
    }
}
