package io.perch.redis.function;

import io.perch.broker.hook.event.DeliveryEvent;
import io.perch.broker.message.Message;
import io.perch.redis.codec.Compat;
import io.perch.redis.codec.MessageHash;

import java.util.HashMap;
import java.util.Map;

import static io.perch.redis.codec.Keys.utf8;

/** The placeholder values each hook point offers to a commands action (spec section 7). */
final class Variables {
    private Variables() {
    }

    static CommandTemplate.Vars client(String clientId) {
        Map<String, byte[]> m = new HashMap<>();
        m.put("clientid", utf8(clientId));
        return new CommandTemplate.Vars(m, null);
    }

    static CommandTemplate.Vars session(String clientId, String filter, Integer qos) {
        Map<String, byte[]> m = new HashMap<>();
        m.put("clientid", utf8(clientId));
        m.put("topic", utf8(filter));
        if (qos != null) {
            m.put("qos", utf8(Integer.toString(qos)));
        }
        return new CommandTemplate.Vars(m, null);
    }

    static CommandTemplate.Vars publish(Message msg, Compat compat) {
        Map<String, byte[]> m = new HashMap<>();
        m.put("clientid", utf8(msg.from() == null ? "undefined" : msg.from()));
        m.put("topic", utf8(msg.topic()));
        m.put("qos", utf8(Integer.toString(msg.qos())));
        m.put("msgid", utf8(compat.id(msg.id())));
        m.put("payload", msg.payload());
        return new CommandTemplate.Vars(m, MessageHash.fields(msg, compat));
    }

    static CommandTemplate.Vars delivery(DeliveryEvent ev, Compat compat) {
        Map<String, byte[]> m = new HashMap<>();
        m.put("clientid", utf8(ev.subscriber().clientId()));
        m.put("topic", utf8(ev.message().topic()));
        m.put("msgid", utf8(compat.id(ev.message().id())));
        return new CommandTemplate.Vars(m, null);
    }
}
