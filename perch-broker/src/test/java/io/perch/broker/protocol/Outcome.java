package io.perch.broker.protocol;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the broker must do with a bad packet, always ending with a closed connection: answer
 * with exactly one packet first (a CONNACK during connect; an MQTT 5 DISCONNECT after it), or
 * just close (MQTT 3, which has no server DISCONNECT, and errors before the version is known).
 */
record Outcome(String text, int type, int code, boolean v3Form) {
    private static final int CONNACK = 2;
    private static final int DISCONNECT = 14;

    /** CONNACK in the MQTT 3 form, {@code 20 02 00 rc}, then close. */
    static Outcome connackV3(int returnCode) {
        return new Outcome(String.format("CONNACK 0x%02X (v3) and close", returnCode), CONNACK, returnCode, true);
    }

    /** CONNACK in the MQTT 5 form (reason code, session present 0, properties), then close. */
    static Outcome connackV5(int reason) {
        return new Outcome(String.format("CONNACK 0x%02X (v5) and close", reason), CONNACK, reason, false);
    }

    /** MQTT 5 DISCONNECT with the reason code, then close. */
    static Outcome disconnect(int reason) {
        return new Outcome(String.format("DISCONNECT 0x%02X and close", reason), DISCONNECT, reason, false);
    }

    /** Close without writing anything. */
    static Outcome close() {
        return new Outcome("close", 0, -1, false);
    }

    void check(byte[] written, boolean open) {
        assertThat(open).as("connection still open after: expected %s", text).isFalse();
        List<byte[]> frames = Frames.split(written);
        if (type == 0) {
            assertThat(written).as("bytes written before closing (expected none): %s", Bytes.toHex(written)).isEmpty();
            return;
        }
        assertThat(frames).as("packets written: %s (expected %s)", Bytes.toHex(written), text).hasSize(1);
        byte[] p = frames.get(0);
        assertThat(Frames.type(p)).as("packet type of %s", Bytes.toHex(p)).isEqualTo(type);
        assertThat(p[0] & 0x0f).as("fixed header flags of %s", Bytes.toHex(p)).isZero();
        if (type == CONNACK) {
            if (v3Form) {
                assertThat(p).as("v3 CONNACK").containsExactly(0x20, 0x02, 0x00, code);
            } else {
                assertThat(p.length).as("v5 CONNACK carries a property length: %s", Bytes.toHex(p)).isGreaterThanOrEqualTo(5);
                assertThat(p[2]).as("session present of %s", Bytes.toHex(p)).isZero();
                assertThat(p[3] & 0xff).as("reason code of %s", Bytes.toHex(p)).isEqualTo(code);
            }
        } else {
            assertThat(p.length).as("DISCONNECT with a reason code: %s", Bytes.toHex(p)).isGreaterThanOrEqualTo(3);
            assertThat(p[2] & 0xff).as("reason code of %s", Bytes.toHex(p)).isEqualTo(code);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
