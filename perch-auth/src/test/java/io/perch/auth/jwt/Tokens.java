package io.perch.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.perch.broker.plugin.ConfigEntry;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Keys generated with the JDK and tokens signed with them, for the JWT tests. */
final class Tokens {
    static final String SECRET = "a-test-secret-that-is-long-enough-for-hs512-0123456789abcdef-xyz";

    private Tokens() {
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static Path pem(Path file, PublicKey key) throws Exception {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        Files.writeString(file, "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n");
        return file;
    }

    static Path jwks(Path file, String kid, KeyPair ec) throws Exception {
        ECKey jwk = new ECKey.Builder(Curve.P_256, (ECPublicKey) ec.getPublic()).keyID(kid).build();
        Files.writeString(file, new JWKSet(jwk).toString());
        return file;
    }

    static Path jwksRsa(Path file, String kid, KeyPair rsa) throws Exception {
        RSAKey jwk = new RSAKey.Builder((RSAPublicKey) rsa.getPublic()).keyID(kid).build();
        Files.writeString(file, new JWKSet(jwk).toString());
        return file;
    }

    /** Claims for a user, valid for an hour, adjusted by {@code more}. */
    static JWTClaimsSet claims(String username, Consumer<JWTClaimsSet.Builder> more) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().claim("username", username)
                .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))));
        more.accept(b);
        return b.build();
    }

    static String hmac(JWSAlgorithm alg, String secret, JWTClaimsSet claims) throws JOSEException {
        return sign(new JWSHeader(alg), new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), claims);
    }

    static String rsa(KeyPair kp, JWTClaimsSet claims) throws JOSEException {
        return sign(new JWSHeader(JWSAlgorithm.RS256), new RSASSASigner(kp.getPrivate()), claims);
    }

    static String ec(KeyPair kp, String kid, JWTClaimsSet claims) throws JOSEException {
        return sign(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(),
                new ECDSASigner((ECPrivateKey) kp.getPrivate()), claims);
    }

    private static String sign(JWSHeader h, JWSSigner signer, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(h, claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    /** The base64url claims part of a token (for tampering). */
    static String claimsPart(JWTClaimsSet claims) {
        return com.nimbusds.jose.util.Base64URL.encode(claims.toString()).toString();
    }

    static Map<String, Object> acl(List<String> pub, List<String> sub, List<String> all) {
        return Map.of("pub", pub, "sub", sub, "all", all);
    }

    /** {@code key = value} lines as config entries of test.conf. */
    static List<ConfigEntry> conf(String... lines) {
        List<ConfigEntry> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            int eq = lines[i].indexOf('=');
            out.add(new ConfigEntry(lines[i].substring(0, eq).trim(), lines[i].substring(eq + 1).trim(), "test.conf",
                    i + 1));
        }
        return out;
    }
}
