package io.perch.broker.message;

import java.util.List;

/**
 * The MQTT 5 PUBLISH properties a broker passes through to subscribers unchanged (MQTT-3.3.2-4..20).
 * {@code payloadFormat} is null when absent. Message expiry lives on {@link Message} as an
 * absolute time because it is decremented on forward.
 */
public record PublishProperties(Integer payloadFormat, String contentType, String responseTopic,
                                byte[] correlationData, List<UserProperty> userProperties) {
    public static final PublishProperties NONE = new PublishProperties(null, null, null, null, List.of());

    public boolean isEmpty() {
        return payloadFormat == null && contentType == null && responseTopic == null && correlationData == null
                && userProperties.isEmpty();
    }
}
