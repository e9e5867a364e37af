package io.tern.server.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** What etcd reads from a peer's certificate: its common name, and whether it is valid for a host. */
public final class Certificates {
    private Certificates() {
    }

    /** The leaf's subject common name, or "" when it has none. */
    public static String commonName(X509Certificate cert) {
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(
                    cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    return rdn.getValue().toString();
                }
            }
            return "";
        } catch (javax.naming.InvalidNameException e) {
            throw new IllegalStateException("unreadable subject " + cert.getSubjectX500Principal(), e);
        }
    }

    /** Go's VerifyHostname over the subject alternative names: an IP exactly, a DNS name or a one-label wildcard. */
    public static boolean validFor(X509Certificate cert, String host) {
        Collection<List<?>> names;
        try {
            names = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return false;
        }
        if (names == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            String value = String.valueOf(n.get(1)).toLowerCase(Locale.ROOT);
            if (type == 7 && value.equals(h)) {
                return true;
            }
            if (type == 2 && (value.equals(h)
                    || value.startsWith("*.") && h.indexOf('.') > 0 && h.substring(h.indexOf('.')).equals(value.substring(1)))) {
                return true;
            }
        }
        return false;
    }
}
