package io.perch.auth.file;

import io.perch.auth.scram.ScramVerifier;

/**
 * What a password-file line holds for a user: a {@code mosquitto_passwd} hash ({@code $7$},
 * {@code $6$}), or a SCRAM-SHA-256 verifier, which also checks a plain password and lets the
 * user authenticate with MQTT 5 enhanced authentication. Immutable.
 */
public interface Credential {
    /** Whether {@code password} (as the CONNECT sent it) is the user's; constant time. */
    boolean verify(byte[] password);

    /** The SCRAM-SHA-256 verifier, or null when the line holds a Mosquitto hash. */
    default ScramVerifier scram() {
        return null;
    }

    /** Parses a stored value; IllegalArgumentException says what is wrong without echoing it. */
    static Credential parse(String stored) {
        if (ScramVerifier.looksLikeOne(stored)) {
            ScramVerifier v = ScramVerifier.parse(stored);
            return new Credential() {
                @Override
                public boolean verify(byte[] password) {
                    return v.verifyPlain(password);
                }

                @Override
                public ScramVerifier scram() {
                    return v;
                }
            };
        }
        MosquittoHash.Parsed h = MosquittoHash.parse(stored);
        return password -> MosquittoHash.verify(h, password);
    }
}
