package io.perch.redis.function;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.perch.redis.client.RedisCall;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One command string of a {@code commands} action (spec section 7), split on spaces once at
 * start. In the key (second token) {@code ${clientid}}, {@code ${topic}} and {@code ${msgid}}
 * are replaced wherever they occur; a later token is replaced only when it is a whole
 * placeholder, and {@code ${message}} becomes the seven field/value pairs of the message hash.
 * Values are bytes throughout, so binary payloads reach Redis unchanged. A placeholder with no
 * value at this hook point stays as written.
 */
final class CommandTemplate {
    private static final List<String> KEY_VARS = List.of("clientid", "topic", "msgid");
    private final ProtocolKeyword command;
    private final String key;
    private final List<String> args;

    CommandTemplate(String text) {
        List<String> tokens = new ArrayList<>();
        for (String t : text.trim().split(" +")) {
            tokens.add(t);
        }
        this.command = keyword(tokens.get(0));
        this.key = tokens.size() > 1 ? tokens.get(1) : null;
        this.args = tokens.size() > 2 ? List.copyOf(tokens.subList(2, tokens.size())) : List.of();
    }

    /** The values a hook point offers: strings as UTF-8, payload raw, message as the 14 hash elements. */
    record Vars(Map<String, byte[]> scalars, List<byte[]> message) {
    }

    RedisCall bind(Vars vars) {
        CommandArgs<byte[], byte[]> a = new CommandArgs<>(ByteArrayCodec.INSTANCE);
        if (key != null) {
            String k = key;
            for (String v : KEY_VARS) {
                byte[] val = vars.scalars().get(v);
                if (val != null) {
                    k = k.replace("${" + v + "}", new String(val, StandardCharsets.UTF_8));
                }
            }
            // The key decides the cluster slot, so it is added as a key.
            a.addKey(k.getBytes(StandardCharsets.UTF_8));
        }
        for (String t : args) {
            if (t.equals("${message}") && vars.message() != null) {
                for (byte[] b : vars.message()) {
                    a.add(b);
                }
            } else if (t.startsWith("${") && t.endsWith("}") && vars.scalars().containsKey(t.substring(2, t.length() - 1))) {
                a.add(vars.scalars().get(t.substring(2, t.length() - 1)));
            } else {
                a.add(t.getBytes(StandardCharsets.UTF_8));
            }
        }
        return r -> r.dispatch(command, new NestedMultiOutput<>(ByteArrayCodec.INSTANCE), a);
    }

    private static ProtocolKeyword keyword(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        try {
            return CommandType.valueOf(upper);
        } catch (IllegalArgumentException e) {
            byte[] bytes = upper.getBytes(StandardCharsets.US_ASCII);
            return new ProtocolKeyword() {
                @Override
                public byte[] getBytes() {
                    return bytes;
                }

                @Override
                public String toString() {
                    return upper;
                }
            };
        }
    }
}
