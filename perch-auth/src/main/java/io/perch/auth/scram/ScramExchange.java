package io.perch.auth.scram;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The server side of one SCRAM-SHA-256 exchange (RFC 5802 section 3, without channel
 * binding): reads the client-first message, answers with the server-first message, checks the
 * client-final message's proof and answers with the server signature. Owned by one
 * connection's steps, which the broker runs one at a time.
 */
final class ScramExchange {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The client-first message, parsed: the user and the bare part that the proof signs. */
    record ClientFirst(String user, String nonce, String bare) {
        /** Parses {@code n,,n=user,r=nonce}; throws IllegalArgumentException saying what is wrong. */
        static ClientFirst parse(byte[] data) {
            String m = new String(data, StandardCharsets.UTF_8);
            if (m.startsWith("p=")) {
                throw new IllegalArgumentException("channel binding is not supported");
            }
            if (!m.startsWith("n,") && !m.startsWith("y,")) {
                throw new IllegalArgumentException("not a SCRAM client-first message");
            }
            int second = m.indexOf(',', 2);
            if (second < 0) {
                throw new IllegalArgumentException("not a SCRAM client-first message");
            }
            if (second > 2) {
                throw new IllegalArgumentException("an authorization identity (a=) is not supported");
            }
            String bare = m.substring(second + 1);
            String user = null;
            String nonce = null;
            for (String attr : bare.split(",")) {
                if (attr.startsWith("n=")) {
                    user = attr.substring(2).replace("=2C", ",").replace("=3D", "=");
                } else if (attr.startsWith("r=")) {
                    nonce = attr.substring(2);
                } else if (attr.startsWith("m=")) {
                    throw new IllegalArgumentException("mandatory extensions are not supported");
                }
            }
            if (user == null || user.isEmpty() || nonce == null || nonce.isEmpty()) {
                throw new IllegalArgumentException("the client-first message lacks n= or r=");
            }
            return new ClientFirst(user, nonce, bare);
        }
    }

    private final ClientFirst first;
    private final ScramVerifier verifier;
    private final String serverFirst;
    private final String nonce;
    final long startedAt;

    ScramExchange(ClientFirst first, ScramVerifier verifier, long startedAt) {
        this(first, verifier, startedAt, randomNonce());
    }

    /** With a given server nonce: the RFC's test vector fixes it. */
    ScramExchange(ClientFirst first, ScramVerifier verifier, long startedAt, String serverNonce) {
        this.first = first;
        this.verifier = verifier;
        this.startedAt = startedAt;
        this.nonce = first.nonce() + serverNonce;
        this.serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(verifier.salt())
                + ",i=" + verifier.iterations();
    }

    private static String randomNonce() {
        byte[] r = new byte[18];
        RANDOM.nextBytes(r);
        return Base64.getEncoder().encodeToString(r);
    }

    String user() {
        return first.user();
    }

    byte[] serverFirst() {
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks the client-final message; returns the server-final message ({@code v=signature})
     * when the proof is right, or null when it is not (wrong password, or a message not of this
     * exchange).
     */
    byte[] clientFinal(byte[] data) {
        String m = new String(data, StandardCharsets.UTF_8);
        int p = m.lastIndexOf(",p=");
        if (p < 0) {
            return null;
        }
        String withoutProof = m.substring(0, p);
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(m.substring(p + 3));
        } catch (IllegalArgumentException e) {
            return null;
        }
        String channelBinding = null;
        String r = null;
        for (String attr : withoutProof.split(",")) {
            if (attr.startsWith("c=")) {
                channelBinding = attr.substring(2);
            } else if (attr.startsWith("r=")) {
                r = attr.substring(2);
            }
        }
        // "biws" is base64 of "n,,", "eSws" of "y,,": no channel binding, as the first message said.
        if (!nonce.equals(r) || !("biws".equals(channelBinding) || "eSws".equals(channelBinding))) {
            return null;
        }
        byte[] authMessage = (first.bare() + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramVerifier.hmac(verifier.storedKey(), authMessage);
        if (proof.length != clientSignature.length) {
            return null;
        }
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        if (!MessageDigest.isEqual(ScramVerifier.sha256(clientKey), verifier.storedKey())) {
            return null;
        }
        byte[] serverSignature = ScramVerifier.hmac(verifier.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }
}
