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

    /**
     * The subject's common name as Go reads it (its last CN in certificate order, which etcd takes as
     * the user or checks against the allowed CN), or "" when it has none.
     */
    public static String commonName(X509Certificate cert) {
        try {
            String cn = "";
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(
                    cert.getSubjectX500Principal().getName()).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    cn = rdn.getValue().toString();
                }
            }
            return cn;
        } catch (javax.naming.InvalidNameException e) {
            throw new IllegalStateException("unreadable subject " + cert.getSubjectX500Principal(), e);
        }
    }

    /**
     * Go's VerifyHostname over the subject alternative names: an IP address only against IP names (as
     * addresses, so {@code ::1} matches however it is written), a host name against DNS names, exactly
     * or by a one-label wildcard.
     */
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
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] ip = ipLiteral(bare);
        String h = bare.toLowerCase(Locale.ROOT);
        for (List<?> n : names) {
            int type = (Integer) n.get(0);
            String value = String.valueOf(n.get(1)).toLowerCase(Locale.ROOT);
            if (ip != null) {
                if (type == 7 && java.util.Arrays.equals(ip, ipLiteral(value))) {
                    return true;
                }
            } else if (type == 2 && (value.equals(h)
                    || value.startsWith("*.") && h.indexOf('.') > 0 && h.substring(h.indexOf('.')).equals(value.substring(1)))) {
                return true;
            }
        }
        return false;
    }

    /** The address an IP literal names, or null for anything else (never a DNS lookup). */
    private static byte[] ipLiteral(String s) {
        if (!s.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !s.matches("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            return null;
        }
        try {
            return java.net.InetAddress.getByName(s).getAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }
}
