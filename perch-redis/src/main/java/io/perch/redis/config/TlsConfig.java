package io.perch.redis.config;

/**
 * TLS to Redis ({@code ssl = on}, {@code ssl.cacertfile}, {@code ssl.certfile}, {@code ssl.keyfile},
 * {@code ssl.verify}). PEM files; without a CA file the JVM's trust store is used.
 */
public record TlsConfig(boolean enabled, String caCertFile, String certFile, String keyFile, boolean verify) {
    public static final TlsConfig OFF = new TlsConfig(false, null, null, null, true);
}
