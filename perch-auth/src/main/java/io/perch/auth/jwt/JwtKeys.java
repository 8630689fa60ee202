package io.perch.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The keys a token may be signed with, as verifiers: the HMAC secret, the PEM public key and
 * the keys of the JWK set. Immutable; the JWKS file is re-read into a new instance.
 * Nimbus verifiers are thread-safe, so one instance serves every event loop.
 */
final class JwtKeys {
    /** A verifier and the key id it answers to (null: any token). */
    record Key(String kid, JWSAlgorithm alg, JWSVerifier verifier) {
        boolean fits(JWSHeader h) {
            return verifier.supportedJWSAlgorithms().contains(h.getAlgorithm())
                    && (alg == null || alg.equals(h.getAlgorithm()))
                    && (kid == null || h.getKeyID() == null || kid.equals(h.getKeyID()));
        }
    }

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final List<Key> keys;

    JwtKeys(List<Key> keys) {
        this.keys = List.copyOf(keys);
    }

    /** The keys that may have signed a token with this header, those naming its kid first. */
    List<Key> candidates(JWSHeader header) {
        List<Key> out = new ArrayList<>();
        for (Key k : keys) {
            if (k.fits(header)) {
                if (k.kid != null && k.kid.equals(header.getKeyID())) {
                    out.add(0, k);
                } else {
                    out.add(k);
                }
            }
        }
        return out;
    }

    int size() {
        return keys.size();
    }

    static Key secret(byte[] secret) throws JOSEException {
        return new Key(null, null, new MACVerifier(secret));
    }

    /** A PEM file holding a {@code PUBLIC KEY} (RSA or EC) or a {@code CERTIFICATE}. */
    static Key pem(Path file) throws IOException, GeneralSecurityException, JOSEException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            byte[] der = Base64.getMimeDecoder().decode(m.group(2).trim());
            PublicKey key = switch (m.group(1)) {
                case "PUBLIC KEY" -> publicKey(der);
                case "CERTIFICATE" -> CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(der)).getPublicKey();
                case "RSA PUBLIC KEY" -> throw new GeneralSecurityException(
                        "a PKCS#1 'RSA PUBLIC KEY' block; convert it with "
                                + "`openssl rsa -RSAPublicKey_in -in key.pem -pubout` to a 'PUBLIC KEY' block");
                default -> null; // e.g. a private key next to it: not ours to read
            };
            if (key != null) {
                return verifier(null, null, key);
            }
        }
        throw new GeneralSecurityException("no '-----BEGIN PUBLIC KEY-----' or '-----BEGIN CERTIFICATE-----' block");
    }

    private static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        GeneralSecurityException first = null;
        for (String alg : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                first = first == null ? e : first;
            }
        }
        throw new GeneralSecurityException("the public key is neither RSA nor EC", first);
    }

    private static Key verifier(String kid, JWSAlgorithm alg, PublicKey key) throws JOSEException {
        if (key instanceof RSAPublicKey rsa) {
            return new Key(kid, alg, new RSASSAVerifier(rsa));
        }
        if (key instanceof ECPublicKey ec) {
            return new Key(kid, alg, new ECDSAVerifier(ec));
        }
        throw new JOSEException("unsupported public key type " + key.getAlgorithm() + "; use RSA or EC");
    }

    /**
     * The signing keys of a JWK set file: RSA, EC and symmetric ({@code oct}) keys whose
     * {@code use} is absent or {@code sig}. Other keys (encryption keys, OKP) are skipped.
     */
    static List<Key> jwks(Path file) throws IOException, ParseException, JOSEException {
        JWKSet set = JWKSet.parse(Files.readString(file, StandardCharsets.UTF_8));
        List<Key> out = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            JWSAlgorithm alg = jwk.getAlgorithm() == null ? null : JWSAlgorithm.parse(jwk.getAlgorithm().getName());
            if (jwk instanceof RSAKey rsa) {
                out.add(verifier(jwk.getKeyID(), alg, rsa.toRSAPublicKey()));
            } else if (jwk instanceof ECKey ec) {
                out.add(verifier(jwk.getKeyID(), alg, ec.toECPublicKey()));
            } else if (jwk instanceof OctetSequenceKey oct) {
                out.add(new Key(jwk.getKeyID(), alg, new MACVerifier(oct.toByteArray())));
            }
        }
        return out;
    }
}
