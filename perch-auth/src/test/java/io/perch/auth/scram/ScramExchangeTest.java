package io.perch.auth.scram;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The exchange against RFC 7677's SCRAM-SHA-256 test vector (section 3). */
class ScramExchangeTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final ScramVerifier PENCIL = ScramVerifier.of(b("pencil"),
            Base64.getDecoder().decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);

    @Test
    void theRfcExchangeProvesThePasswordAndSignsTheAnswer() {
        ScramExchange x = new ScramExchange(ScramExchange.ClientFirst.parse(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")),
                PENCIL, 0, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        assertThat(new String(x.serverFirst(), StandardCharsets.UTF_8)).isEqualTo(
                "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
        byte[] serverFinal = x.clientFinal(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
        assertThat(new String(serverFinal, StandardCharsets.UTF_8))
                .isEqualTo("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    }

    @Test
    void aWrongProofOrNonceIsRefused() {
        ScramExchange x = new ScramExchange(ScramExchange.ClientFirst.parse(b("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")),
                PENCIL, 0, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        assertThat(x.clientFinal(b("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                + "p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))).isNull();
        assertThat(x.clientFinal(b("c=biws,r=rOprNGfwEbeRWgbNEkqOother,"
                + "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))).isNull();
        assertThat(x.clientFinal(b("garbage"))).isNull();
    }

    @Test
    void theVerifierRoundTripsInPostgresFormAndChecksPlainPasswords() {
        String stored = PENCIL.format();
        assertThat(stored).startsWith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$");
        ScramVerifier back = ScramVerifier.parse(stored);
        assertThat(back).isEqualTo(PENCIL);
        assertThat(back.verifyPlain(b("pencil"))).isTrue();
        assertThat(back.verifyPlain(b("pen"))).isFalse();
        assertThat(back.toString()).doesNotContain(Base64.getEncoder().encodeToString(PENCIL.storedKey()));
    }

    @Test
    void unsupportedClientFirstMessagesSayWhy() {
        assertThatThrownBy(() -> ScramExchange.ClientFirst.parse(b("p=tls-unique,,n=u,r=x"))).hasMessageContaining("channel binding");
        assertThatThrownBy(() -> ScramExchange.ClientFirst.parse(b("n,a=admin,n=u,r=x"))).hasMessageContaining("authorization identity");
        assertThatThrownBy(() -> ScramExchange.ClientFirst.parse(b("n,,r=x"))).hasMessageContaining("lacks");
        assertThat(ScramExchange.ClientFirst.parse(b("n,,n=a=2Cb=3Dc,r=x")).user()).isEqualTo("a,b=c");
    }
}
