package io.perch.broker.hook.event;

/**
 * MQTT 5 enhanced authentication step: the client's method and data. A callback that
 * implements the method answers with {@code result} SUCCESS (connect), CONTINUE (send AUTH
 * with {@code responseData}) or FAILURE. Left UNSUPPORTED, the broker refuses with 0x8C.
 */
public record EnhancedAuthEvent(ClientInfo client, String method, byte[] data, boolean initial,
                                Result result, byte[] responseData) {
    public enum Result { UNSUPPORTED, SUCCESS, CONTINUE, FAILURE }

    public EnhancedAuthEvent answer(Result r, byte[] response) {
        return new EnhancedAuthEvent(client, method, data, initial, r, response);
    }
}
