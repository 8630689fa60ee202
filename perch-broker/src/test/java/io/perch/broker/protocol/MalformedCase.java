package io.perch.broker.protocol;

/**
 * One corpus entry: raw bytes a client sends, at which point (as its first bytes, or after a
 * successful CONNECT of {@code version}), what the broker must answer, and whether the
 * engine counts it in {@code stats.malformedPackets} (decoder-level errors and ill-formed
 * content do; protocol errors in well-formed packets do not).
 */
record MalformedCase(String name, int version, boolean afterConnect, byte[] bytes, Outcome expected, boolean malformed) {

    /** The bytes are the client's first: they hold (or replace) the CONNECT. */
    static MalformedCase first(String name, int version, byte[] bytes, Outcome expected, boolean malformed) {
        return new MalformedCase(name, version, false, bytes, expected, malformed);
    }

    /** The bytes follow a valid CONNECT of the version, answered with CONNACK 0x00. */
    static MalformedCase connected(String name, int version, byte[] bytes, Outcome expected, boolean malformed) {
        return new MalformedCase(name, version, true, bytes, expected, malformed);
    }

    @Override
    public String toString() {
        return (version == 5 ? "v5" : version == 4 ? "v3.1.1" : "v3.1") + " " + name + " -> " + expected;
    }
}
