package io.perch.auth.spi;

import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.api.BrokerService;

import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The sources one configured {@link SourceKind} supplies, started once before the listeners
 * bind and closed after they close.
 */
public interface Sources extends AutoCloseable {
    /**
     * What a kind may use while it starts: relative file paths resolve against {@code home};
     * {@code timer} is the plugin's single timer thread (file reloads, say).
     */
    record Context(Path home, ScheduledExecutorService timer, MeterRegistry metrics, BrokerService broker) {
        public Path resolve(String file) {
            Path p = Path.of(file);
            return p.isAbsolute() ? p : home.resolve(p);
        }
    }

    /** Opens files and connections; a problem found here stops start-up with its config line. */
    void start(Context context) throws Exception;

    /**
     * What {@code perch check} can verify without connecting anywhere or starting a timer: the
     * files the keys name exist and parse. Throws {@code ConfigException} naming the line; the
     * default checks nothing.
     *
     * @param home the Perch home, against which relative paths resolve
     */
    default void check(java.nio.file.Path home) {
    }

    /** The authentication source, or null when this kind only has ACL rules here. */
    default AuthSource auth() {
        return null;
    }

    /** The ACL source, or null. */
    default AclSource acl() {
        return null;
    }

    /**
     * What the dashboard shows of this source: its settings and state as JSON-ready values
     * (files, counts, load times, commands, key kinds), never a secret or a hash.
     */
    default java.util.Map<String, Object> describe() {
        return java.util.Map.of();
    }

    /** The password file's users, when this source has a password file; else null. */
    default io.perch.auth.file.PasswordFileUsers passwordFile() {
        return null;
    }

    /** SCRAM-SHA-256 verifiers for MQTT 5 enhanced authentication, or null. */
    default ScramVerifiers scram() {
        return null;
    }

    @Override
    default void close() {
        if (auth() != null) {
            auth().close();
        }
        if (acl() != null) {
            acl().close();
        }
    }
}
