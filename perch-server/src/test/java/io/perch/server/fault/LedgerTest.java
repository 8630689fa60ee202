package io.perch.server.fault;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker on its own, without sockets: it must see each kind of failure, or a green fault run means nothing. */
class LedgerTest {
    private final Ledger ledger = new Ledger();

    private void publish(String pub, String topic, int qos, long from, long to, boolean ack) {
        for (long s = from; s <= to; s++) {
            ledger.sent(pub, topic, qos, s);
            if (ack) {
                ledger.acked(pub, topic, s);
            }
        }
    }

    private void deliver(String pub, String topic, long... seqs) {
        for (long s : seqs) {
            ledger.delivered(topic, Ledger.payload(pub, s));
        }
    }

    @Test
    void everyAcknowledgedMessageDeliveredOnceInOrderPasses() {
        publish("p1", "t/1", 1, 1, 3, true);
        publish("p2", "t/2", 2, 1, 3, true);
        deliver("p1", "t/1", 1, 2, 3);
        deliver("p2", "t/2", 1, 2, 3);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).as(s.line()).isTrue();
        assertThat(s.line()).isEqualTo("sent=6 acked=6 delivered(unique)=6 duplicates(qos1)=0 duplicates(qos2)=0"
                + " lost=0 out-of-order=0 unexpected=0 OK");
    }

    @Test
    void anAcknowledgedMessageNeverDeliveredIsLost() {
        publish("p1", "t/1", 1, 1, 3, true);
        deliver("p1", "t/1", 1, 3);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).isFalse();
        assertThat(s.lost()).isEqualTo(1);
        // With the time it was acknowledged, to be read against the broker's log.
        assertThat(s.lostExamples()).singleElement().asString()
                .matches("Key\\[publisher=p1, topic=t/1, seq=2\\] acked at \\d{2}:\\d{2}:\\d{2}\\.\\d{3}");
        assertThat(ledger.ackedNotDelivered()).isEqualTo(1);
    }

    @Test
    void aMessageSentButNeverAcknowledgedMayBeMissing() {
        publish("p1", "t/1", 2, 1, 2, true);
        publish("p1", "t/1", 2, 3, 3, false); // the broker died before PUBCOMP: no promise was made
        deliver("p1", "t/1", 1, 2);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).as(s.line()).isTrue();
        assertThat(s.sent()).isEqualTo(3);
        assertThat(s.acked()).isEqualTo(2);
    }

    @Test
    void qos1DuplicatesAreCountedButAllowed() {
        publish("p1", "t/1", 1, 1, 3, true);
        deliver("p1", "t/1", 1, 2, 2, 3, 2);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).as(s.line()).isTrue();
        assertThat(s.duplicatesQos1()).isEqualTo(2);
        assertThat(s.delivered()).isEqualTo(3);
    }

    @Test
    void aQos2DuplicateFails() {
        publish("p2", "t/2", 2, 1, 3, true);
        deliver("p2", "t/2", 1, 2, 3, 3);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).isFalse();
        assertThat(s.duplicatesQos2()).isEqualTo(1);
        assertThat(s.problems()).contains("QoS 2 delivered more than once: 1");
    }

    @Test
    void reorderedFirstDeliveriesFailButARedeliveryDoesNotCount() {
        publish("p1", "t/1", 1, 1, 4, true);
        deliver("p1", "t/1", 1, 3, 2, 4);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.outOfOrder()).isEqualTo(1);
        assertThat(s.outOfOrderExamples()).containsExactly("p1@t/1 2 after 3");
        assertThat(s.ok()).isFalse();

        Ledger again = new Ledger();
        for (long i = 1; i <= 3; i++) {
            again.sent("p1", "t/1", 1, i);
        }
        for (long i : new long[] {1, 2, 1, 3}) { // a resent 1 after 2 is a duplicate, not disorder
            again.delivered("t/1", Ledger.payload("p1", i));
        }
        assertThat(again.summarize().outOfOrder()).isZero();
    }

    @Test
    void orderIsPerPublisherAndTopic() {
        publish("p1", "t/1", 1, 1, 2, true);
        publish("p2", "t/1", 1, 1, 2, true);
        publish("p1", "t/2", 1, 1, 2, true);
        deliver("p2", "t/1", 1, 2);
        deliver("p1", "t/2", 1);
        deliver("p1", "t/1", 1);
        deliver("p1", "t/2", 2);
        deliver("p1", "t/1", 2);

        Ledger.Summary s = ledger.summarize();
        assertThat(s.ok()).as(s.line()).isTrue();
    }

    @Test
    void aDeliveryNobodySentFails() {
        publish("p1", "t/1", 1, 1, 1, true);
        deliver("p1", "t/1", 1);
        deliver("p1", "t/1", 7);
        ledger.delivered("t/1", "garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8));

        Ledger.Summary s = ledger.summarize();
        assertThat(s.unexpected()).isEqualTo(2);
        assertThat(s.ok()).isFalse();
    }
}
