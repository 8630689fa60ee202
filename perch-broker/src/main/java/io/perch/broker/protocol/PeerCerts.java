package io.perch.broker.protocol;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.perch.broker.config.ListenerConfig;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.security.auth.x500.X500Principal;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * A TLS client's identity from its verified certificate, for {@code peer_cert_as_username} and
 * {@code peer_cert_as_clientid}: the subject's common name ({@code cn}; the most specific one
 * when there are several) or its whole distinguished name in RFC 2253 form ({@code dn}, e.g.
 * {@code CN=device-1,O=Example}).
 */
final class PeerCerts {
    private PeerCerts() {
    }

    /** The verified client certificate's subject, or null (no TLS, or no verified certificate). */
    static X500Principal subject(Channel channel) {
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return null;
        }
        Certificate[] chain;
        try {
            chain = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        return chain.length > 0 && chain[0] instanceof X509Certificate cert ? cert.getSubjectX500Principal() : null;
    }

    /** The subject's {@code cn} or whole {@code dn}; null without a subject, or without a CN. */
    static String identity(X500Principal subject, String field) {
        if (subject == null) {
            return null;
        }
        return field.equals(ListenerConfig.DN) ? subject.getName(X500Principal.RFC2253) : commonName(subject);
    }

    static String commonName(X500Principal subject) {
        try {
            String cn = null;
            // LdapName lists RDNs from the least specific (rightmost in RFC 2253) to the most.
            for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    cn = rdn.getValue().toString();
                }
            }
            return cn == null || cn.isEmpty() ? null : cn;
        } catch (InvalidNameException e) {
            return null;
        }
    }
}
