package io.tern.server.tls;

import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's certificate path checks, then etcd's own on a connecting party: its chain must have no
 * serial number the revocation list names (the list is read again on every handshake, so a rewritten
 * file takes effect at once; as in etcd, only serials count), and when set, its leaf must carry the
 * allowed common name or be valid for the allowed host name. Checks of a server's certificate (when
 * this member dials) are the JDK's alone, host name included when the engine asks for it.
 */
final class EtcdTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager jdk;
    private final Optional<Path> crl;
    private final String allowedCn;
    private final String allowedHostname;

    /** Checks the connecting party's certificate against its address (etcd's peer {@code checkSAN}). */
    private final boolean checkAddress;

    EtcdTrustManager(X509ExtendedTrustManager jdk, Optional<Path> crl, String allowedCn, String allowedHostname,
                     boolean checkAddress) {
        this.checkAddress = checkAddress;
        this.jdk = jdk;
        this.crl = crl;
        this.allowedCn = allowedCn;
        this.allowedHostname = allowedHostname;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk.checkClientTrusted(chain, authType, socket);
        checkConnecting(chain);
        if (checkAddress && socket != null && socket.getInetAddress() != null) {
            Certificates.checkConnectingAddress(chain[0], socket.getInetAddress().getHostAddress());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk.checkClientTrusted(chain, authType, engine);
        checkConnecting(chain);
        // The accepting side's engine is made with the connecting address as its peer host.
        if (checkAddress && engine != null && engine.getPeerHost() != null) {
            Certificates.checkConnectingAddress(chain[0], engine.getPeerHost());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk.checkClientTrusted(chain, authType);
        checkConnecting(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        jdk.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        jdk.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        jdk.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return jdk.getAcceptedIssuers();
    }

    private void checkConnecting(X509Certificate[] chain) throws CertificateException {
        if (crl.isPresent()) {
            Set<BigInteger> revoked;
            try {
                revoked = Pem.revokedSerials(crl.get());
            } catch (IllegalArgumentException e) {
                throw new CertificateException(e.getMessage(), e);
            }
            for (X509Certificate c : chain) {
                if (revoked.contains(c.getSerialNumber())) {
                    throw new CertificateException("certificate with serial " + c.getSerialNumber().toString(16)
                            + " revoked");
                }
            }
        }
        X509Certificate leaf = chain[0];
        if (!allowedCn.isEmpty() && !allowedCn.equals(Certificates.commonName(leaf))) {
            throw new CertificateException("client certificate authentication failed: CN " + Certificates.commonName(leaf)
                    + " is not " + allowedCn);
        }
        if (!allowedHostname.isEmpty() && !Certificates.validFor(leaf, allowedHostname)) {
            throw new CertificateException("client certificate authentication failed: not valid for " + allowedHostname);
        }
    }
}
