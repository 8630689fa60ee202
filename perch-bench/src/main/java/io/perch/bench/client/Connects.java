package io.perch.bench.client;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttVersion;

import java.nio.charset.StandardCharsets;

/** CONNECT and SUBSCRIBE as the bench sends them; the MQTT 3/5 difference lives here only. */
final class Connects {
    private Connects() {
    }

    static MqttConnectMessage connect(ClientSettings s, String clientId) {
        MqttVersion version = s.mqttVersion() == 5 ? MqttVersion.MQTT_5 : MqttVersion.MQTT_3_1_1;
        MqttMessageBuilders.ConnectBuilder b = MqttMessageBuilders.connect()
                .protocolVersion(version)
                .clientId(clientId)
                .cleanSession(s.cleanStart())
                .keepAlive(s.keepAlive());
        if (s.username() != null) {
            b.hasUser(true).username(s.username());
        }
        if (s.password() != null) {
            b.hasPassword(true).password(s.password().getBytes(StandardCharsets.UTF_8));
        }
        if (version == MqttVersion.MQTT_5 && s.sessionExpiry() >= 0) {
            MqttProperties props = new MqttProperties();
            props.add(new MqttProperties.IntegerProperty(
                    MqttProperties.MqttPropertyType.SESSION_EXPIRY_INTERVAL.value(), (int) s.sessionExpiry()));
            b.properties(props);
        }
        return b.build();
    }

    static MqttSubscribeMessage subscribe(String filter, int qos) {
        return MqttMessageBuilders.subscribe().messageId(1).addSubscription(MqttQoS.valueOf(qos), filter).build();
    }
}
