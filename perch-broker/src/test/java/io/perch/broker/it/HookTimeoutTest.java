package io.perch.broker.it;

import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.HookResult;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.PublishEvent;
import io.perch.broker.testkit.BrokerTest;
import io.perch.broker.testkit.RawClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** hooks.timeout: a hook that never completes refuses its packet instead of wedging the connection. */
class HookTimeoutTest extends BrokerTest {

    private void startWithStuckHooks() {
        start(b -> b.hooksTimeout(Duration.ofMillis(300)), br -> {
            br.hooks().register(HookPoints.MESSAGE_PUBLISH, 100, "stuck-publish", (PublishEvent e) ->
                    e.message().topic().startsWith("stuck/") ? new CompletableFuture<>()
                            : CompletableFuture.completedFuture(HookResult.ok()));
            br.hooks().register(HookPoints.CLIENT_AUTHENTICATE, 100, "stuck-auth", (AuthenticateEvent e) ->
                    e.client().clientId().startsWith("stuck") ? new CompletableFuture<>()
                            : CompletableFuture.completedFuture(HookResult.ok()));
        });
    }

    @Test
    void aStuckPublishHookGetsV5AnErrorAckAndTheConnectionGoesOn() {
        startWithStuckHooks();
        RawClient v5 = clients.raw();
        v5.connect(RawClient.v5("pub5", true, 60).build());
        v5.publish("stuck/a", 1, "x", 1);
        var ack = v5.expect(MqttMessageType.PUBACK);
        assertThat(RawClient.packetId(ack)).isEqualTo(1);
        assertThat(RawClient.reasonCode(ack)).isEqualTo(0x80);
        // The chain is free again: the next publish is handled.
        v5.publish("fine/a", 1, "y", 2);
        assertThat(RawClient.packetId(v5.expect(MqttMessageType.PUBACK))).isEqualTo(2);
        assertThat(broker.broker().hooks().timeouts()).isEqualTo(1);
    }

    @Test
    void aStuckPublishHookDisconnectsAV3ClientWithoutAnAck() {
        startWithStuckHooks();
        RawClient v3 = clients.raw();
        v3.connect(RawClient.v3("pub3", true, 60).build());
        v3.publish("stuck/a", 1, "x", 1);
        assertThat(v3.awaitClosed(Duration.ofSeconds(5))).isTrue();
        assertThat(v3.drain()).noneMatch(m -> m.fixedHeader().messageType() == MqttMessageType.PUBACK);
    }

    @Test
    void aStuckAuthenticationIsRefused() {
        startWithStuckHooks();
        MqttConnAckMessage v5 = clients.raw().connect(RawClient.v5("stuck5", true, 60).build());
        assertThat(v5.variableHeader().connectReturnCode().byteValue()).isEqualTo((byte) 0x88);
        MqttConnAckMessage v3 = clients.raw().connect(RawClient.v3("stuck3", true, 60).build());
        assertThat(v3.variableHeader().connectReturnCode().byteValue()).isEqualTo((byte) 3);
        MqttConnAckMessage ok = clients.raw().connect(RawClient.v5("fine", true, 60).build());
        assertThat(ok.variableHeader().connectReturnCode().byteValue()).isZero();
    }
}
