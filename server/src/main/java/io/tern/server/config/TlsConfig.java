package io.tern.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS for the client and the peer listeners, as etcd's flags describe it.
 *
 * @param client       {@code --cert-file}, {@code --key-file}, {@code --trusted-ca-file},
 *                     {@code --client-cert-auth}, {@code --client-crl-file}, {@code --auto-tls},
 *                     {@code --client-cert-allowed-hostname}
 * @param peer         the same with {@code --peer-} in front, plus {@code --peer-cert-allowed-cn}
 * @param cipherSuites {@code --cipher-suites}: IANA names, which the JDK shares with Go; empty for the
 *                     JDK's choice. As in Go, they limit TLS 1.2 only: TLS 1.3 suites stay on.
 * @param minVersion   {@code --tls-min-version}: {@code TLS1.2} (default) or {@code TLS1.3}
 * @param maxVersion   {@code --tls-max-version}: empty for the newest the JDK has
 */
public record TlsConfig(Side client, Side peer, List<String> cipherSuites, String minVersion, String maxVersion) {
    private static final List<String> VERSIONS = List.of("TLS1.2", "TLS1.3");

    public static final TlsConfig NONE = new TlsConfig(Side.NONE, Side.NONE, List.of(), "TLS1.2", "");

    /**
     * One listener's TLS settings.
     *
     * @param certFile        its certificate chain, PEM
     * @param keyFile         its private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC)
     * @param trustedCaFile   the CAs a connecting party's certificate must chain to; setting it also
     *                        requires one (etcd's rule)
     * @param clientCertAuth  require and verify a connecting party's certificate
     * @param crlFile         a revocation list, read again on every handshake: a certificate whose
     *                        serial it lists is refused
     * @param autoTls         with no certificate given, make (once) and use a self-signed one under
     *                        the data directory
     * @param allowedCn       only a connecting party with exactly this common name is accepted
     * @param allowedHostname only a connecting party whose certificate is valid for this host name is
     *                        accepted
     * @param checkClientAddress a connecting party's certificate, if it names IPs or hosts, must name the
     *                        address it connects from (etcd checks this on peer listeners unless
     *                        {@code --experimental-peer-skip-client-san-verification})
     */
    public record Side(Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> trustedCaFile,
                       boolean clientCertAuth, Optional<Path> crlFile, boolean autoTls,
                       String allowedCn, String allowedHostname, boolean checkClientAddress) {
        public static final Side NONE = new Side(Optional.empty(), Optional.empty(), Optional.empty(), false,
                Optional.empty(), false, "", "");

        /** A side that does not check connecting addresses (client listeners). */
        public Side(Optional<Path> certFile, Optional<Path> keyFile, Optional<Path> trustedCaFile,
                    boolean clientCertAuth, Optional<Path> crlFile, boolean autoTls, String allowedCn,
                    String allowedHostname) {
            this(certFile, keyFile, trustedCaFile, clientCertAuth, crlFile, autoTls, allowedCn, allowedHostname, false);
        }

        public Side {
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
            Objects.requireNonNull(trustedCaFile, "trustedCaFile");
            Objects.requireNonNull(crlFile, "crlFile");
            Objects.requireNonNull(allowedCn, "allowedCn");
            Objects.requireNonNull(allowedHostname, "allowedHostname");
            if (certFile.isPresent() != keyFile.isPresent()) {
                throw new IllegalArgumentException("KeyFile and CertFile must both be present[key: "
                        + keyFile.map(Path::toString).orElse("") + ", cert: " + certFile.map(Path::toString).orElse("") + "]");
            }
            if (!allowedCn.isEmpty() && !allowedHostname.isEmpty()) {
                throw new IllegalArgumentException("AllowedCN and AllowedHostname are mutually exclusive (cn=\""
                        + allowedCn + "\", hostname=\"" + allowedHostname + "\")");
            }
        }

        /** A certificate is given, or made: an {@code https} URL can be served. */
        public boolean serves() {
            return certFile.isPresent() || autoTls;
        }

        /** Connecting parties must present a certificate that chains to a trusted CA. */
        public boolean requiresClientCert() {
            return certFile.isPresent() && (clientCertAuth || trustedCaFile.isPresent());
        }
    }

    public TlsConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(peer, "peer");
        cipherSuites = List.copyOf(cipherSuites);
        if (!VERSIONS.contains(minVersion)) {
            throw new IllegalArgumentException("--tls-min-version: unexpected TLS version " + minVersion
                    + " (must be one of: TLS1.2, TLS1.3)");
        }
        if (!maxVersion.isEmpty() && !VERSIONS.contains(maxVersion)) {
            throw new IllegalArgumentException("--tls-max-version: unexpected TLS version " + maxVersion
                    + " (must be one of: TLS1.2, TLS1.3)");
        }
        if (!maxVersion.isEmpty() && VERSIONS.indexOf(maxVersion) < VERSIONS.indexOf(minVersion)) {
            throw new IllegalArgumentException("min version (" + minVersion + ") is greater than max version ("
                    + maxVersion + ")");
        }
        if (!cipherSuites.isEmpty() && "TLS1.3".equals(minVersion)) {
            throw new IllegalArgumentException("cipher suites cannot be configured when only TLS1.3 is enabled");
        }
    }

    /** The enabled protocol versions, JSSE names, newest first. */
    public List<String> protocols() {
        int from = VERSIONS.indexOf(minVersion);
        int to = maxVersion.isEmpty() ? VERSIONS.size() - 1 : VERSIONS.indexOf(maxVersion);
        return VERSIONS.subList(from, to + 1).reversed().stream().map(v -> "TLSv" + v.substring(3)).toList();
    }
}
