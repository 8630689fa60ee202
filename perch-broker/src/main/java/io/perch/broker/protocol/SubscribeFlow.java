package io.perch.broker.protocol;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.message.SubscriptionOptions;
import io.perch.broker.topic.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * SUBSCRIBE and UNSUBSCRIBE. Each filter is validated and checked against the ACL; SUBACK
 * goes out before any retained message or stored message a hook delivers for the new
 * subscription, so clients see their SUBACK first.
 */
final class SubscribeFlow {
    private final MqttConnection c;
    private final BrokerConfig config;

    SubscribeFlow(MqttConnection c) {
        this.c = c;
        this.config = c.core.config;
    }

    private record Request(Topics.Parsed parsed, SubscriptionOptions options, int code) {
    }

    CompletionStage<?> onSubscribe(MqttSubscribeMessage sm) {
        int packetId = sm.idAndPropertiesVariableHeader().messageId();
        MqttProperties props = sm.idAndPropertiesVariableHeader().properties();
        Integer subId = c.isV5() ? Props.integer(props, MqttPropertyType.SUBSCRIPTION_IDENTIFIER) : null;
        if (subId != null && subId == 0) {
            c.protocolError("subscription identifier 0"); // MQTT-3.8.2.1.2
            return CompletableFuture.completedFuture(null);
        }
        List<MqttTopicSubscription> topics = sm.payload().topicSubscriptions();
        if (topics.isEmpty()) {
            c.protocolError("SUBSCRIBE without topic filters"); // MQTT-3.8.3-3
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Request>> requests = new ArrayList<>(topics.size());
        for (MqttTopicSubscription ts : topics) {
            Request r = validate(ts, subId == null ? 0 : subId);
            if (r == null) {
                return CompletableFuture.completedFuture(null); // protocol error already handled
            }
            if (r.code() >= 0x80) {
                requests.add(CompletableFuture.completedFuture(r));
                continue;
            }
            requests.add(AclCheck.check(c.core, c.client, c.superuser, AclCheckEvent.Action.SUBSCRIBE, ts.topicName())
                    .toCompletableFuture()
                    .thenApply(ok -> ok ? r : new Request(r.parsed(), r.options(), ReasonCodes.NOT_AUTHORIZED)));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new));
        if (all.isDone()) {
            apply(packetId, requests);
            return all;
        }
        return all.handleAsync((v, e) -> {
            apply(packetId, requests);
            return null;
        }, c.ctx.executor());
    }

    private Request validate(MqttTopicSubscription ts, int subId) {
        String raw = ts.topicName();
        MqttSubscriptionOption opt = ts.option();
        if (!c.isV5() && (opt.isNoLocal() || opt.isRetainAsPublished()
                || opt.retainHandling() != MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE)) {
            // Netty decodes bits 2-5 as the MQTT 5 options whatever the version; in 3.1.1 they are reserved.
            c.malformed(new DecoderException("reserved bits set in 3.1.1 subscription options")); // MQTT-3.8.3-4
            return null;
        }
        Topics.Parsed parsed = raw.indexOf('\uFFFD') >= 0 ? null : Topics.parseSubscription(raw);
        int qos = Math.min(opt.qos().value(), config.maxQosAllowed);
        SubscriptionOptions o = new SubscriptionOptions(qos, opt.isNoLocal(), opt.isRetainAsPublished(),
                opt.retainHandling().value(), subId, parsed == null ? null : parsed.group());
        if (parsed == null || !Topics.isValidFilter(parsed.filter(), config.maxTopicLevels)) {
            return new Request(parsed, o, ReasonCodes.TOPIC_FILTER_INVALID);
        }
        if (parsed.isShared()) {
            if (!config.sharedSubscription) {
                return new Request(parsed, o, ReasonCodes.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED);
            }
            if (opt.isNoLocal() && c.isV5()) {
                c.protocolError("no local on a shared subscription"); // MQTT-3.8.3-4
                return null;
            }
        }
        if (Topics.hasWildcard(parsed.filter()) && !config.wildcardSubscription) {
            return new Request(parsed, o, ReasonCodes.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED);
        }
        return new Request(parsed, o, qos);
    }

    private void apply(int packetId, List<CompletableFuture<Request>> requests) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return;
        }
        List<Integer> codes = new ArrayList<>(requests.size());
        List<Request> granted = new ArrayList<>();
        List<Boolean> isNew = new ArrayList<>();
        for (CompletableFuture<Request> f : requests) {
            Request r = f.isCompletedExceptionally() ? null : f.join();
            if (r == null) {
                codes.add(ReasonCodes.UNSPECIFIED_ERROR);
                continue;
            }
            int code = r.code() < 0x80 && overQuota(r) ? ReasonCodes.QUOTA_EXCEEDED : r.code();
            codes.add(code);
            if (code < 0x80) {
                isNew.add(c.core.subscriptions.subscribe(c.session, r.parsed(), r.options()));
                granted.add(r);
            }
        }
        c.send(c.helper.suback(packetId, codes));
        for (int i = 0; i < granted.size(); i++) {
            Request r = granted.get(i);
            c.core.subscriptions.afterSubscribe(c.session, r.parsed(), r.options(), isNew.get(i));
        }
        if (c.core.config.aclDenyDisconnect && codes.contains(ReasonCodes.NOT_AUTHORIZED)) {
            // acl_deny_action = disconnect: the SUBACK says which filters were granted (they stand),
            // then the connection ends.
            c.closeWith(ReasonCodes.NOT_AUTHORIZED, "subscribe to a filter the ACL denies");
        }
    }

    /**
     * mqtt.max_subscriptions, checked as each granted filter is added (not up front), so that one
     * SUBSCRIBE with many new filters cannot pass the limit; replacing a subscription is not new.
     */
    private boolean overQuota(Request r) {
        Map<String, SubscriptionOptions> subs = c.session.subscriptions();
        return config.maxSubscriptions > 0 && subs.size() >= config.maxSubscriptions
                && !subs.containsKey(Topics.key(r.parsed().group(), r.parsed().filter()));
    }

    CompletionStage<?> onUnsubscribe(MqttUnsubscribeMessage um) {
        int packetId = MqttConnection.packetId(um);
        List<String> filters = um.payload().topics();
        if (filters.isEmpty()) {
            c.protocolError("UNSUBSCRIBE without topic filters"); // MQTT-3.10.3-2
            return CompletableFuture.completedFuture(null);
        }
        List<Integer> codes = new ArrayList<>(filters.size());
        for (String f : filters) {
            boolean removed = c.core.subscriptions.unsubscribe(c.session, f);
            codes.add(removed ? ReasonCodes.SUCCESS : ReasonCodes.NO_SUBSCRIPTION_EXISTED);
        }
        c.send(c.helper.unsuback(packetId, codes));
        return CompletableFuture.completedFuture(null);
    }
}
