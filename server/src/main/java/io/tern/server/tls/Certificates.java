package io.tern.server.tls;

import java.security.cert.CertificateException;
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

    /**
     * etcd's check of a connecting member's certificate against the address it connects from (its
     * {@code checkSAN}): a certificate without IP or DNS names passes; one with IP names passes when the
     * address is one of them; otherwise one with DNS names passes when the address's reverse lookup ends in
     * one of them (wildcards as suffixes) or one of them resolves to the address.
     *
     * @param remoteIp the connecting address, an IP literal
     */
    public static void checkConnectingAddress(X509Certificate cert, String remoteIp) throws CertificateException {
        List<String> ips = new java.util.ArrayList<>();
        List<String> dns = new java.util.ArrayList<>();
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> n : names) {
                int type = (Integer) n.get(0);
                if (type == 7) {
                    ips.add(String.valueOf(n.get(1)));
                } else if (type == 2) {
                    dns.add(String.valueOf(n.get(1)).toLowerCase(Locale.ROOT));
                }
            }
        }
        if (ips.isEmpty() && dns.isEmpty()) {
            return;
        }
        byte[] remote = ipLiteral(remoteIp);
        if (remote == null) {
            throw new CertificateException("tls: cannot check the certificate against the address " + remoteIp);
        }
        for (String ip : ips) {
            if (java.util.Arrays.equals(remote, ipLiteral(ip))) {
                return;
            }
        }
        if (dns.isEmpty()) {
            throw new CertificateException("x509: certificate is valid for " + String.join(", ", ips) + ", not " + remoteIp);
        }
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByAddress(remote);
        } catch (java.net.UnknownHostException e) {
            throw new CertificateException("tls: bad address " + remoteIp, e);
        }
        String reverse = address.getCanonicalHostName().toLowerCase(Locale.ROOT);
        for (String name : dns) {
            if (name.startsWith("*.") ? reverse.endsWith(name.substring(1)) : name.equals(reverse)) {
                return;
            }
        }
        for (String name : dns) {
            if (name.startsWith("*.")) {
                continue;
            }
            try {
                for (java.net.InetAddress a : java.net.InetAddress.getAllByName(name)) {
                    if (java.util.Arrays.equals(remote, a.getAddress())) {
                        return;
                    }
                }
            } catch (java.net.UnknownHostException unresolved) {
                // the next name may resolve
            }
        }
        throw new CertificateException("tls: \"" + remoteIp + "\" does not match any of DNSNames " + dns);
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
