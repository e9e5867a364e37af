package io.tern.server.tls;

import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import io.tern.server.config.TlsConfig;
import io.tern.spi.consensus.PeerTls;

import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Turns one side's TLS flags into JDK contexts: the accepting one (Helidon's client listener, or the
 * peer listener) and, for peers, the dialing one. A self-signed ({@code --auto-tls}) side asks nothing
 * of connecting parties and, dialing, checks nothing of the party it reaches, as etcd does; it only
 * encrypts.
 */
public final class TlsContexts {
    /** Go keeps its TLS 1.3 suites whatever {@code --cipher-suites} says; the JDK must be told. */
    private static final List<String> TLS13_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private TlsContexts() {
    }

    /**
     * One side's contexts and handshake settings.
     *
     * @param accepting         for the listener
     * @param dialing           for connections this member opens with the same certificate
     * @param requireClientCert connecting parties must present a trusted certificate
     * @param selfSigned        made by {@code --auto-tls}: dialing checks nothing
     * @param protocols         JSSE protocol names
     * @param cipherSuites      JSSE suite names; empty for the JDK's choice
     */
    public record Side(SSLContext accepting, SSLContext dialing, boolean requireClientCert, boolean selfSigned,
                       List<String> protocols, List<String> cipherSuites) {

        /** Helidon's listener TLS: our context, with the client-certificate and version settings on top. */
        public Tls helidon() {
            var b = Tls.builder()
                    .sslContext(accepting)
                    .clientAuth(requireClientCert ? TlsClientAuth.REQUIRED : TlsClientAuth.NONE)
                    .enabledProtocols(protocols);
            if (!cipherSuites.isEmpty()) {
                b.enabledCipherSuites(cipherSuites);
            }
            return b.build();
        }

        public PeerTls peer() {
            return new PeerTls(accepting, dialing, requireClientCert, !selfSigned, protocols, cipherSuites);
        }
    }

    /**
     * The contexts for {@code side}, or empty when it has neither certificate files nor auto TLS.
     *
     * @param autoDir where a self-signed certificate is kept ({@code <data-dir>/fixtures/client|peer})
     * @param listen  the side's listen URLs, whose hosts a self-signed certificate names
     */
    public static Optional<Side> of(TlsConfig.Side side, TlsConfig common, Path autoDir, List<URI> listen) {
        if (!side.serves()) {
            return Optional.empty();
        }
        boolean selfSigned = side.certFile().isEmpty();
        SelfSigned.CertFiles files = selfSigned
                ? SelfSigned.ensure(autoDir, listen.stream().map(URI::getHost).toList())
                : new SelfSigned.CertFiles(side.certFile().get(), side.keyFile().get());
        KeyManager[] keys = {new ReloadingKeyManager(files.cert(), files.key())};
        Optional<Path> ca = selfSigned ? Optional.empty() : side.trustedCaFile();
        try {
            X509ExtendedTrustManager jdk = jdkTrust(ca);
            SSLContext accepting = SSLContext.getInstance("TLS");
            accepting.init(keys, new TrustManager[] {selfSigned ? jdk
                    : new EtcdTrustManager(jdk, side.crlFile(), side.allowedCn(), side.allowedHostname(),
                            side.checkClientAddress())}, null);
            if (!selfSigned && side.requiresClientCert()) {
                // A resumed session skips the trust manager, so the revocation list and the name checks
                // would not see it: sessions expire after a second, leaving every later connection a full
                // handshake (etcd checks each connection).
                accepting.getServerSessionContext().setSessionTimeout(1);
            }
            SSLContext dialing = SSLContext.getInstance("TLS");
            dialing.init(keys, new TrustManager[] {selfSigned ? new TrustingAnyone() : jdk}, null);
            return Optional.of(new Side(accepting, dialing, !selfSigned && side.requiresClientCert(), selfSigned,
                    common.protocols(), suites(common, accepting)));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalArgumentException("cannot set up TLS with " + files.cert() + ": " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager jdkTrust(Optional<Path> ca) throws GeneralSecurityException, java.io.IOException {
        KeyStore trusted = null;
        if (ca.isPresent()) {
            trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            int i = 0;
            for (X509Certificate c : Pem.certificates(ca.get())) {
                trusted.setCertificateEntry("ca-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trusted);
        return Arrays.stream(tmf.getTrustManagers()).filter(X509ExtendedTrustManager.class::isInstance)
                .map(X509ExtendedTrustManager.class::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("the JDK offers no X.509 trust manager"));
    }

    /** {@code --cipher-suites}, checked against what the JDK offers, plus TLS 1.3's when it is on. */
    private static List<String> suites(TlsConfig common, SSLContext context) {
        if (common.cipherSuites().isEmpty()) {
            return List.of();
        }
        Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
        List<String> out = new ArrayList<>();
        for (String s : common.cipherSuites()) {
            if (!supported.contains(s)) {
                throw new IllegalArgumentException("unexpected TLS cipher suite \"" + s + "\"");
            }
            out.add(s);
        }
        if (common.protocols().contains("TLSv1.3")) {
            out.addAll(TLS13_SUITES.stream().filter(supported::contains).filter(s -> !out.contains(s)).toList());
        }
        return out;
    }

    /** etcd's dialing side with a self-signed certificate: encryption without checking the other party. */
    private static final class TrustingAnyone extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
