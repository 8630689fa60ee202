package io.perch.broker.protocol;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.core.Publisher;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.DroppedEvent;
import io.perch.broker.message.Message;
import io.perch.broker.message.MessageId;
import io.perch.broker.session.Session;
import io.perch.broker.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Inbound PUBLISH and the acknowledgements in both directions.
 *
 * <p>QoS 2 inbound uses the spec's method A (MQTT 4.3.3 figure 4.3): the message is routed on
 * PUBLISH and its packet id kept until PUBREL, so a duplicate PUBLISH is answered with PUBREC
 * and not routed again (exactly once). An acknowledgement is sent only after the
 * message.publish chain completed and the store writes it started (the hooks', and those of
 * every stored session the message was routed to) are durable, in packet order
 * ({@link AckOrder}); its packet id reaches the store only after the message's writes. If the
 * chain fails, v5 gets reason 0x80 and v3 is disconnected without an ack (the client resends);
 * a write the store refused gets v5 0x97, v3 a disconnect.
 */
final class PublishFlow {
    private static final Logger log = LoggerFactory.getLogger(PublishFlow.class);
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private final MqttConnection c;
    private final BrokerConfig config;
    private final PublishLimiter limiter;

    PublishFlow(MqttConnection c) {
        this.c = c;
        this.config = c.core.config;
        this.limiter = config.publishLimitCount > 0
                ? new PublishLimiter(config.publishLimitCount, config.publishLimitPeriod.toNanos()) : null;
    }

    CompletionStage<?> onPublish(MqttPublishMessage pm) {
        CompletionStage<Void> wait = limiter == null ? null : limiter.acquire(c);
        if (wait != null) {
            return wait.thenComposeAsync(v -> {
                if (c.state != MqttConnection.State.CONNECTED) {
                    pm.release();
                    return CompletableFuture.<Object>completedFuture(null);
                }
                @SuppressWarnings("unchecked")
                CompletionStage<Object> next = (CompletionStage<Object>) handle(pm);
                return next;
            }, c.ctx.executor());
        }
        return handle(pm);
    }

    private CompletionStage<?> handle(MqttPublishMessage pm) {
        byte[] payload;
        try {
            payload = ByteBufUtil.getBytes(pm.content());
        } finally {
            pm.release();
        }
        int qos = pm.fixedHeader().qosLevel().value();
        boolean retain = pm.fixedHeader().isRetain();
        if (qos > config.maxQosAllowed) {
            c.closeReason = "qos_not_supported";
            c.closeWith(ReasonCodes.QOS_NOT_SUPPORTED, null);
            return DONE;
        }
        if (retain && !config.retainAvailable) {
            c.closeReason = "retain_not_supported";
            c.closeWith(ReasonCodes.RETAIN_NOT_SUPPORTED, null);
            return DONE;
        }
        MqttProperties props = pm.variableHeader().properties();
        String topic = pm.variableHeader().topicName();
        if (topic.indexOf('\uFFFD') >= 0 || topic.indexOf('\u0000') >= 0) {
            // Netty decodes ill-formed UTF-8 as U+FFFD; both that and U+0000 make the packet malformed
            // (MQTT 5 MQTT-1.5.4-1/-2, 3.1.1 MQTT-1.5.3-1/-2), not merely a topic the broker refuses (0x90).
            c.malformed(new DecoderException("ill-formed UTF-8 or U+0000 in the topic name"));
            return DONE;
        }
        if (c.isV5()) {
            topic = c.aliases.resolve(topic, Props.integer(props, MqttPropertyType.TOPIC_ALIAS));
            if (topic == TopicAliases.INVALID_ALIAS) {
                c.closeReason = "topic_alias_invalid";
                c.closeWith(ReasonCodes.TOPIC_ALIAS_INVALID, null);
                return DONE;
            }
            if (topic == TopicAliases.UNKNOWN_ALIAS) {
                c.protocolError("unknown topic alias");
                return DONE;
            }
            if (topic.isEmpty()) {
                c.protocolError("empty topic name without topic alias"); // MQTT 5 3.3.2.1
                return DONE;
            }
        }
        if (!Topics.isValidName(topic, config.maxTopicLevels) || topic.indexOf('\uFFFD') >= 0) {
            c.closeReason = "topic_name_invalid";
            c.closeWith(ReasonCodes.TOPIC_NAME_INVALID, null);
            return DONE;
        }
        int packetId = pm.variableHeader().packetId();
        Session s = c.session;
        MessageId again = null;
        if (qos == 2) {
            switch (s.receiveQos2(packetId)) {
                case DUPLICATE -> {
                    again = s.unconfirmed(packetId);
                    if (again != null) {
                        break; // routed again under its first id, see routedAgain
                    }
                    // Already routed. The id is stored again before PUBREC, so the PUBREC waits for the
                    // store's barrier as the first one would have.
                    CompletionStage<Void> rel = s.qos2Routed(packetId);
                    String t = topic;
                    c.acks.after(rel == null ? DONE : rel, () -> send(2, packetId, ReasonCodes.SUCCESS),
                            err -> notStored(2, t, packetId, err));
                    return DONE;
                }
                case TOO_MANY -> {
                    log.warn("client {}: more than max_awaiting_rel={} QoS 2 messages awaiting PUBREL",
                            c.client.clientId(), config.maxAwaitingRel);
                    c.closeReason = "receive_maximum_exceeded";
                    c.closeWith(ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED, null);
                    return DONE;
                }
                default -> {
                }
            }
        } else {
            s.countInbound();
        }
        if (!c.core.restoreGate.isOpen()) {
            // The stored sessions, and with them the store's clock floor, are still being read:
            // the message gets its id once ids start above every stored one (Broker.counterFloor).
            // Routing would wait for the same gate, and this connection's next packets wait too.
            String t = topic;
            MessageId a = again;
            return c.core.restoreGate.whenOpen().thenComposeAsync(
                    v -> route(t, payload, qos, retain, props, packetId, a), c.ctx.executor());
        }
        return route(topic, payload, qos, retain, props, packetId, again);
    }

    /** A PUBLISH that passed its checks: the message is made (its id from now) and routed once the ACL allows. */
    private CompletionStage<?> route(String topic, byte[] payload, int qos, boolean retain, MqttProperties props,
                                     int packetId, MessageId again) {
        if (again == null) {
            c.core.stats.messagesReceived.increment();
            c.core.stats.messagesReceivedByQos[qos].increment();
        }
        // One clock read for the id and the message's time: this runs for every PUBLISH.
        long micros = io.perch.broker.message.MessageIdGenerator.nowMicros();
        long now = micros / 1000;
        Integer exp = c.isV5() ? Props.integer(props, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL) : null;
        Message m = new Message(again != null ? again : c.core.ids.next(micros), topic, payload, qos, retain,
                c.client.clientId(), c.client.username(), now, exp == null ? 0 : now + Integer.toUnsignedLong(exp) * 1000L,
                c.isV5() ? Props.publishProperties(props) : null);

        boolean routedAgain = again != null;
        CompletionStage<Boolean> acl = AclCheck.check(c.core, c.client, c.superuser, AclCheckEvent.Action.PUBLISH, topic);
        CompletableFuture<Boolean> af = acl.toCompletableFuture();
        if (af.isDone() && !af.isCompletedExceptionally()) {
            return afterAcl(af.join(), m, packetId, routedAgain);
        }
        return af.thenComposeAsync(ok -> afterAcl(ok, m, packetId, routedAgain), c.ctx.executor());
    }

    /**
     * @param again an MQTT 3 QoS 2 resend whose first routing's store writes failed: routed
     *              again under its first id, so that every stored session the message is for
     *              has it in the store before the PUBREC. A session that still holds it writes
     *              it again instead of taking a second copy ({@code Session.offerAgain}); one
     *              the store keeps but this process does not hold gets it again, and its load
     *              keeps one entry per message id.
     */
    private CompletionStage<?> afterAcl(boolean allowed, Message m, int packetId, boolean again) {
        if (!allowed) {
            log.info("client {}: publish to {} denied by ACL", c.client.clientId(), m.topic());
            c.core.stats.messagesDropped.increment();
            c.core.hooks.fire(HookPoints.MESSAGE_DROPPED, new DroppedEvent(m, c.client.clientId(), "not_authorized"));
            if (c.core.config.aclDenyDisconnect) {
                // acl_deny_action = disconnect: no acknowledgement; v5 learns why from the DISCONNECT.
                c.closeWith(ReasonCodes.NOT_AUTHORIZED, "publish to a topic the ACL denies");
                return DONE;
            }
            ack(m.qos(), packetId, ReasonCodes.NOT_AUTHORIZED);
            if (m.qos() == 2) {
                c.session.release(packetId);
            }
            return DONE;
        }
        // QoS 2: the packet id is stored with the routed message, in one group (see SessionPersistence.group).
        Session s = c.session;
        CompletableFuture<Publisher.Routed> f = c.core.publisher.publishRouted(c.client, m, c.ctx.executor(),
                m.qos() == 2 ? () -> s.qos2Routed(packetId) : null, again).toCompletableFuture();
        if (f.isDone() && !f.isCompletedExceptionally()) {
            routed(m, packetId, f.join(), again);
            return DONE;
        }
        // Routing resumed on this event loop; a failure arrives on the hook's thread and hops here.
        // Either way the answer is queued on the loop before the chain's next packet runs.
        return f.handle((r, err) -> {
            Runnable answer = () -> {
                if (err != null) {
                    publishFailed(m, packetId, err);
                } else {
                    routed(m, packetId, r, again);
                }
            };
            if (c.ctx.executor().inEventLoop()) {
                answer.run();
            } else {
                c.ctx.executor().execute(answer);
            }
            return null;
        });
    }

    /**
     * Routed: the acknowledgement goes out once every session a durable store keeps has the
     * message there (for QoS 2, and the packet id with it), in packet order.
     */
    private void routed(Message m, int packetId, Publisher.Routed r, boolean again) {
        if (m.qos() == 0) {
            return;
        }
        CompletionStage<Void> stored = r.stored();
        int reason = r.count() == 0 ? ReasonCodes.NO_MATCHING_SUBSCRIBERS : ReasonCodes.SUCCESS;
        c.acks.after(stored, () -> {
            if (again) {
                c.session.confirmed(packetId);
            }
            send(m.qos(), packetId, reason);
        }, err -> notStored(m, packetId, err));
    }

    private void notStored(Message m, int packetId, Throwable err) {
        if (m.qos() == 2 && !c.isV5()) {
            c.session.unconfirmed(packetId, m.id());
        }
        notStored(m.qos(), m.topic(), packetId, err);
    }

    /**
     * A store could not take the message (Redis unreachable past its bound, or a replica count
     * not reached): it is not acknowledged as if it were safe. v5 gets 0x97 (quota exceeded: the
     * client may retry later); v3, which has no negative acknowledgement, is disconnected and
     * resends on reconnect.
     */
    private void notStored(int qos, String topic, int packetId, Throwable err) {
        c.core.stats.publishesNotStored.increment();
        if (c.core.offenders.firstInWindow("not_stored " + c.client.clientId())) {
            log.warn("client {}: a QoS {} publish to {} was not acknowledged: the session store did not take it ({}); "
                    + "counted in perch_publishes_not_stored_total", c.client.clientId(), qos, topic, String.valueOf(err));
        }
        // v3 keeps the QoS 2 id: the message is routed already, and the client will resend it with
        // this id (DUP); released here, the resend would be routed again, a second delivery
        // (RedisFaultTest's Sentinel failover with one replica saw hundreds). Its copies may be
        // missing from the store, though (the write dropped, not merely unconfirmed), so the
        // resend routes it again under its first id, where a session holding it does not take it
        // twice (Session.unconfirmed, offerAgain). v5 must let it go: a
        // PUBREC >= 0x80 ends the exchange and the client may reuse the id for a new message.
        if (qos == 2 && c.isV5()) {
            c.session.release(packetId);
        }
        if (c.isV5()) {
            send(qos, packetId, ReasonCodes.QUOTA_EXCEEDED);
        } else {
            c.closeReason = "publish_not_stored";
            c.ctx.close();
        }
    }

    private void publishFailed(Message m, int packetId, Throwable err) {
        log.warn("client {}: publish to {} failed in a hook: {}", c.client.clientId(), m.topic(), err.toString());
        if (m.qos() == 2) {
            c.session.release(packetId);
        }
        if (c.isV5() && m.qos() > 0) {
            ack(m.qos(), packetId, ReasonCodes.UNSPECIFIED_ERROR);
        } else if (m.qos() > 0) {
            c.closeReason = "publish_failed";
            c.ctx.close(); // v3 has no negative ack: the client resends after reconnecting
        }
    }

    /** An acknowledgement that waits for no write of its own, still after the earlier ones. */
    private void ack(int qos, int packetId, int reason) {
        c.acks.after(DONE, () -> send(qos, packetId, reason), err -> { });
    }

    private void send(int qos, int packetId, int reason) {
        if (qos == 1) {
            c.send(c.helper.puback(packetId, reason));
        } else if (qos == 2) {
            c.send(c.helper.pubrec(packetId, reason));
        }
    }

    CompletionStage<?> onPubrel(int packetId) {
        CompletionStage<Void> forgotten = c.session.released(packetId);
        if (forgotten == null) {
            c.acks.after(DONE, () -> c.send(c.helper.pubcomp(packetId, ReasonCodes.PACKET_ID_NOT_FOUND)), err -> { });
        } else {
            // PUBCOMP also when the store failed: the live session has let the id go either way.
            c.acks.after(forgotten.exceptionally(err -> null),
                    () -> c.send(c.helper.pubcomp(packetId, ReasonCodes.SUCCESS)), err -> { });
        }
        return DONE;
    }

    void onPuback(int packetId) {
        c.session.puback(packetId);
    }

    void onPubrec(int packetId, int reason) {
        if (!c.session.pubrec(packetId, reason >= 0x80)) {
            // Unknown id: answer PUBREL anyway so the client can finish (MQTT 5: 0x92).
            c.send(c.helper.pubrel(packetId, ReasonCodes.PACKET_ID_NOT_FOUND));
        }
    }

    void onPubcomp(int packetId) {
        c.session.pubcomp(packetId);
    }
}
