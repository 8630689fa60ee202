package io.perch.bench.client;

/**
 * What a client tells the run. Called on the client's event loop; implementations only count
 * and count down, they never block.
 */
public interface ClientEvents {
    /** CONNACK accepted. */
    void connected(BenchClient client);

    /** TCP, TLS, WebSocket or MQTT connect failed, or the broker refused (reason in text). */
    void connectFailed(BenchClient client, String reason);

    /** SUBACK received; {@code granted} false when the broker refused the subscription. */
    void subscribed(BenchClient client, boolean granted);

    /** A connected client lost its connection before the run closed it. */
    void dropped(BenchClient client, String reason);

    /** A publisher with a message count sent them all and got every ack. */
    void publisherDone(BenchClient client);
}
