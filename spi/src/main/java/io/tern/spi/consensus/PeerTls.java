package io.tern.spi.consensus;

import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * TLS for peer traffic, made by the server from its {@code --peer-*} flags. The contexts carry the key
 * material and the trust decisions (trusted CA, revocation list, allowed common name); the engine only
 * wraps its connections in them.
 *
 * @param server            accepts connections from other members
 * @param client            dials other members
 * @param requireClientCert an accepting member asks for and verifies the dialer's certificate
 * @param verifyHostname    a dialing member checks the accepted certificate against the host it dialed
 *                          (off for self-signed certificates, as etcd's auto TLS)
 * @param protocols         enabled protocol versions, JSSE names ({@code TLSv1.2}, {@code TLSv1.3})
 * @param cipherSuites      enabled cipher suites, JSSE names; empty for the JDK's choice
 */
public record PeerTls(SSLContext server, SSLContext client, boolean requireClientCert, boolean verifyHostname,
                      List<String> protocols, List<String> cipherSuites) {
    public PeerTls {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("peer TLS needs at least one protocol version");
        }
    }
}
