package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peer traffic over TLS between real member processes, on each engine: with certificates from a CA
 * and {@code --peer-client-cert-auth} (only members with a trusted certificate and the allowed CN get
 * in), and with {@code --peer-auto-tls}. Writes replicate either way; the peer port speaks TLS and
 * turns away missing, untrusted and wrongly named certificates.
 */
class PeerTlsTest {

    /** A party dialing a member's peer port: its certificate (null for none), and whether it gets in. */
    record Dialer(String name, Function<Certs, TestCerts.Issued> cert, boolean admitted) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * @param elsewhere a member's CN, but its certificate names only another address than the dialer's
     * @param byName    a member's CN, its certificate naming {@code localhost}, which resolves to the dialer's
     */
    record Certs(TestCerts.Ca ca, Map<String, TestCerts.Issued> members, TestCerts.Issued intruder,
                 TestCerts.Issued stranger, TestCerts.Issued elsewhere, TestCerts.Issued byName) {
    }

    static List<Dialer> dialers() {
        return List.of(
                new Dialer("a member's certificate", c -> c.members().get("m2"), true),
                new Dialer("no certificate", c -> null, false),
                new Dialer("another CA's certificate", Certs::stranger, false),
                new Dialer("a trusted certificate with another CN", Certs::intruder, false),
                // etcd's check of a dialing member's certificate against the address it dials from.
                new Dialer("a member's CN for another IP address", Certs::elsewhere, false),
                new Dialer("a member's CN for a host name of the dialing address", Certs::byName, true));
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void membersWithTrustedCertificatesReplicateAndOthersAreTurnedAway(String engine, @TempDir Path dir) throws Exception {
        TestCerts.Ca ca = TestCerts.ca(dir.resolve("certs"), "peer-ca");
        Map<String, TestCerts.Issued> members = Stream.of("m1", "m2", "m3").collect(Collectors.toMap(m -> m,
                m -> ca.issue(m, "tern-peer", List.of("127.0.0.1"))));
        Certs certs = new Certs(ca, members, ca.issue("intruder", "intruder", List.of("127.0.0.1")),
                TestCerts.ca(dir.resolve("other"), "other-ca").issue("stranger", "tern-peer", List.of("127.0.0.1")),
                ca.issue("elsewhere", "tern-peer", List.of("10.9.9.9")), ca.issue("by-name", "tern-peer", List.of("localhost")));
        try (ClusterHarness cluster = ClusterHarness.startPeerTls(dir, engine, 3, m -> List.of(
                "--peer-cert-file", members.get(m).certFile().toString(),
                "--peer-key-file", members.get(m).keyFile().toString(),
                "--peer-trusted-ca-file", ca.certFile().toString(),
                "--peer-client-cert-auth",
                "--peer-cert-allowed-cn", "tern-peer"))) {
            assertReplicates(cluster);
            int peerPort = cluster.node("m1").peerPort();
            for (Dialer d : dialers()) {
                assertThat(handshake(peerPort, d.cert().apply(certs), ca.cert()))
                        .as(d.name()).isEqualTo(d.admitted());
            }
            assertReplicates(cluster);
        }
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void selfSignedPeerCertificatesEncryptAndReplicate(String engine, @TempDir Path dir) throws Exception {
        try (ClusterHarness cluster = ClusterHarness.startPeerTls(dir, engine, 3, m -> List.of(), "--peer-auto-tls")) {
            assertReplicates(cluster);
            assertThat(dir.resolve("m1/fixtures/peer/cert.pem")).exists();
            // The peer port speaks TLS (so a plaintext peer is not understood): a handshake that checks
            // nothing completes with no client certificate, as etcd's auto TLS asks for none.
            assertThat(handshake(cluster.node("m2").peerPort(), null, null)).as("TLS handshake").isTrue();
        }
    }

    private static void assertReplicates(ClusterHarness cluster) throws Exception {
        String key = "peer-tls/" + System.nanoTime();
        cluster.awaitLeader(ThroughElections.LIMIT);
        ThroughElections.await(() -> cluster.client("m1").getKVClient().put(bs(key), bs("v")));
        for (String m : List.of("m2", "m3")) {
            Client c = cluster.client(m);
            Eventually.within(Duration.ofSeconds(20), () -> assertThat(c.getKVClient()
                    .get(bs(key), GetOption.builder().withSerializable(true).build()).get(5, TimeUnit.SECONDS).getKvs())
                    .extracting(kv -> str(kv.getValue())).containsExactly("v"));
        }
    }

    /**
     * True when a TLS session with the peer port works both ways: the handshake completes and the
     * member does not close the connection over the certificate (with TLS 1.3 a refused client
     * certificate shows only on the first read).
     */
    private static boolean handshake(int port, TestCerts.Issued cert, X509Certificate ca) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        if (cert != null) {
            keys.setKeyEntry("c", cert.key(), new char[0], new X509Certificate[] {cert.cert()});
        }
        kmf.init(keys, new char[0]);
        javax.net.ssl.TrustManager[] trust = io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers();
        if (ca != null) {
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trusted);
            trust = tmf.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), trust, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            // Generous on a busy host: a handshake cut short would count an admitted dialer as refused, and a
            // refusal later than the read's wait would count a refused one as admitted.
            s.setSoTimeout(15_000);
            s.startHandshake();
            s.setSoTimeout(5_000);
            try {
                return s.getInputStream().read() != -1;
            } catch (java.net.SocketTimeoutException stillOpen) {
                return true;
            }
        } catch (IOException refused) {
            return false;
        }
    }
}
