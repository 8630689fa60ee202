package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.EnhancedAuthEvent;
import io.perch.broker.protocol.MqttConnection.State;

/**
 * MQTT 5 enhanced authentication (section 4.12): each step asks the client.enhanced_authenticate
 * hook, which answers SUCCESS (CONNACK, or AUTH 0x00 when re-authenticating), CONTINUE (AUTH
 * 0x18 with its data, the client answers with AUTH) or FAILURE; with no callback the method is
 * unsupported and the CONNECT is refused with 0x8C. Re-authentication must use the method of
 * the CONNECT (MQTT-4.12.1-1).
 */
final class EnhancedAuth {
    private final MqttConnection c;
    private final ConnectFlow connect;
    private final String method;

    EnhancedAuth(MqttConnection c, ConnectFlow connect, String method) {
        this.c = c;
        this.connect = connect;
        this.method = method;
    }

    void step(byte[] data, boolean initial) {
        c.core.hooks.run(HookPoints.CLIENT_ENHANCED_AUTH, new EnhancedAuthEvent(c.client, method, data, initial,
                        EnhancedAuthEvent.Result.UNSUPPORTED, null))
                .whenCompleteAsync((ev, err) -> {
                    if (c.state != State.CONNECTING && c.state != State.AUTHENTICATING && c.state != State.CONNECTED) {
                        return;
                    }
                    boolean connected = c.state == State.CONNECTED;
                    EnhancedAuthEvent.Result r = err != null ? EnhancedAuthEvent.Result.FAILURE : ev.result();
                    switch (r) {
                        case SUCCESS -> {
                            if (connected) {
                                c.send(auth(ReasonCodes.SUCCESS, ev.responseData()));
                            } else {
                                connect.accept(false, ev.responseData());
                            }
                        }
                        case CONTINUE -> {
                            if (!connected) {
                                c.state = State.AUTHENTICATING;
                            }
                            c.send(auth(ReasonCodes.CONTINUE_AUTHENTICATION, ev.responseData()));
                        }
                        case UNSUPPORTED -> fail(connected, ReasonCodes.BAD_AUTHENTICATION_METHOD);
                        case FAILURE -> fail(connected, ReasonCodes.NOT_AUTHORIZED);
                    }
                }, c.ctx.executor());
    }

    private void fail(boolean connected, int reason) {
        if (connected) {
            c.closeReason = "reauth_failed";
            c.closeWith(reason, null);
        } else {
            c.state = State.CONNECTING;
            connect.refuse(reason, null);
        }
    }

    private MqttMessage auth(int reason, byte[] data) {
        MqttProperties p = new MqttProperties();
        Props.addString(p, MqttPropertyType.AUTHENTICATION_METHOD, method);
        if (data != null) {
            p.add(new MqttProperties.BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), data));
        }
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.AUTH, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttReasonCodeAndPropertiesVariableHeader((byte) reason, p));
    }

    /** AUTH during the CONNECT exchange: the client's answer to CONTINUE. */
    void onAuth(MqttMessage m) {
        MqttReasonCodeAndPropertiesVariableHeader vh = (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
        String got = Props.string(vh.properties(), MqttPropertyType.AUTHENTICATION_METHOD);
        if ((vh.reasonCode() & 0xff) != ReasonCodes.CONTINUE_AUTHENTICATION || !method.equals(got)) {
            c.protocolError("bad AUTH during connect");
            return;
        }
        c.state = State.CONNECTING;
        step(Props.binary(vh.properties(), MqttPropertyType.AUTHENTICATION_DATA), false);
    }

    /** AUTH after CONNACK: re-authentication with the same method. */
    void onReauth(MqttMessage m) {
        MqttReasonCodeAndPropertiesVariableHeader vh = (MqttReasonCodeAndPropertiesVariableHeader) m.variableHeader();
        String got = Props.string(vh.properties(), MqttPropertyType.AUTHENTICATION_METHOD);
        if (!method.equals(got)) {
            c.protocolError("AUTH without the connect's authentication method");
            return;
        }
        step(Props.binary(vh.properties(), MqttPropertyType.AUTHENTICATION_DATA), false);
    }
}
