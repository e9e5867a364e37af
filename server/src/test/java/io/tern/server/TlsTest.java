package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.auth.Permission;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tern.server.config.ServerConfig;
import io.tern.server.config.TlsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * TLS on the client port, on each engine, with certificates made here: a server that requires client
 * certificates from its CA and checks a revocation list. Every kind of client either works or is
 * refused, and refusals leave the server serving the others. With auth on, a certificate's CN is the
 * user when no token is given.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TlsTest {
    private Path dir;
    private TestCerts.Ca ca;
    private TestCerts.Issued server;
    private final Map<String, TestCerts.Issued> clients = new HashMap<>();
    private TestCerts.Issued stranger;
    private final Map<String, TernServer> servers = new HashMap<>();

    /** A client: how it connects, and how the call ends (null: served; else part of the client's error). */
    record Case(String name, Consumer<ClientBuilder> connect, String refusal) {
        @Override
        public String toString() {
            return name;
        }
    }

    List<Case> cases() {
        return List.of(
                new Case("trusted client certificate", b -> tls(b, clients.get("alice")), null),
                new Case("no client certificate", b -> secure(b, s -> s.trustManager(ca.cert())), "UNAVAILABLE"),
                new Case("certificate from another CA", b -> tls(b, stranger), "UNAVAILABLE"),
                new Case("revoked certificate", b -> tls(b, clients.get("revoked")), "UNAVAILABLE"),
                // The server answers HTTP/2 in clear text with a TLS alert record (0x15 0x03 0x03).
                new Case("plaintext", b -> { }, "First received frame was not SETTINGS. Hex dump for first 5 bytes: 150303"));
    }

    Stream<Arguments> enginesAndCases() {
        return TernHarness.engines().flatMap(e -> cases().stream().map(c -> Arguments.of(e, c)));
    }

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        dir = tmp;
        ca = TestCerts.ca(dir.resolve("certs"), "tern-test-ca");
        server = ca.issue("server", "server", List.of("127.0.0.1", "localhost"));
        for (String cn : List.of("alice", "root", "mallory", "revoked")) {
            clients.put(cn, ca.issue("client-" + cn, cn, List.of()));
        }
        stranger = TestCerts.ca(dir.resolve("other"), "other-ca").issue("stranger", "alice", List.of());
        Path crl = ca.crl("crl.pem", clients.get("revoked").serial());
        TlsConfig.Side side = new TlsConfig.Side(Optional.of(server.certFile()), Optional.of(server.keyFile()),
                Optional.of(ca.certFile()), true, Optional.of(crl), false, "", "");
        TlsConfig tls = new TlsConfig(side, TlsConfig.Side.NONE, List.of(), "TLS1.2", "");
        for (String engine : TernHarness.engines().toList()) {
            servers.put(engine, TernServer.start(ServerConfig.singleNode("default", dir.resolve(engine), 0,
                    TernHarness.freePort(), engine).withTls(tls)));
        }
    }

    @AfterAll
    void stop() {
        servers.values().forEach(TernServer::close);
    }

    private void tls(ClientBuilder b, TestCerts.Issued cert) {
        secure(b, s -> s.trustManager(ca.cert()).keyManager(cert.key(), cert.cert()));
    }

    static void secure(ClientBuilder b, Consumer<io.netty.handler.ssl.SslContextBuilder> settings) {
        try {
            b.sslContext(settings);
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("enginesAndCases")
    void clientsAreServedOrRefused(String engine, Case c) throws Exception {
        String url = (c.name().equals("plaintext") ? "http" : "https") + "://127.0.0.1:" + servers.get(engine).clientPort(0);
        // Without waiting for a ready channel a refused handshake fails the call at once, as UNAVAILABLE.
        ClientBuilder b = Client.builder().endpoints(url).waitForReady(false).retryMaxAttempts(1);
        c.connect().accept(b);
        try (Client client = b.build()) {
            var put = client.getKVClient().put(bs("tls/" + c.name()), bs("v"));
            if (c.refusal() == null) {
                put.get(10, TimeUnit.SECONDS);
                assertThat(client.getKVClient().get(bs("tls/" + c.name())).get(10, TimeUnit.SECONDS).getKvs())
                        .extracting(kv -> str(kv.getValue())).containsExactly("v");
            } else {
                assertThat(catchThrowable(() -> put.get(10, TimeUnit.SECONDS))).as("refused")
                        .hasStackTraceContaining(c.refusal());
            }
        }
        // Whatever the last client did, a trusted one is still served.
        try (Client ok = trusted(engine, "alice")) {
            assertThat(ok.getKVClient().get(bs("tls/")).get(10, TimeUnit.SECONDS).getHeader().getRevision()).isPositive();
        }
    }

    private Client trusted(String engine, String cn) {
        ClientBuilder b = Client.builder().endpoints("https://127.0.0.1:" + servers.get(engine).clientPort(0));
        tls(b, clients.get(cn));
        return b.build();
    }

    private static Client insecure(TernServer s) {
        ClientBuilder b = Client.builder().endpoints("https://127.0.0.1:" + s.clientPort(0));
        secure(b, t -> t.trustManager(InsecureTrustManagerFactory.INSTANCE));
        return b.build();
    }

    /** TLS 1.2 gets through by default; with --tls-min-version TLS1.3 only TLS 1.3 does. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void tlsVersionsFollowTheFlags(String engine, @TempDir Path own) throws Exception {
        int port = servers.get(engine).clientPort(0);
        assertThat(accepted(clientContext(clients.get("alice")), port, "TLSv1.2")).isTrue();
        TlsConfig.Side side = new TlsConfig.Side(Optional.of(server.certFile()), Optional.of(server.keyFile()),
                Optional.of(ca.certFile()), true, Optional.empty(), false, "", "");
        try (TernServer s = TernServer.start(ServerConfig.singleNode("default", own, 0, TernHarness.freePort(), engine)
                .withTls(new TlsConfig(side, TlsConfig.Side.NONE, List.of(), "TLS1.3", "")))) {
            assertThat(accepted(clientContext(clients.get("alice")), s.clientPort(0), "TLSv1.2")).isFalse();
            assertThat(accepted(clientContext(clients.get("alice")), s.clientPort(0), "TLSv1.3")).isTrue();
        }
    }

    /** A client context presenting {@code cert} and trusting any server. */
    private static SSLContext clientContext(TestCerts.Issued cert) throws Exception {
        var ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("c", cert.key(), new char[0], new X509Certificate[] {cert.cert()});
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        return ctx;
    }

    /**
     * True when the server keeps a TLS connection made with {@code ctx}: the handshake completes and the
     * server does not end the connection (with TLS 1.3 a refused client certificate shows only on the
     * first read). A context used twice offers to resume its earlier session.
     */
    private static boolean accepted(SSLContext ctx, int port, String protocol) throws Exception {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setEnabledProtocols(new String[] {protocol});
            s.setSoTimeout(1500);
            s.startHandshake();
            try {
                return s.getInputStream().read() != -1;
            } catch (java.net.SocketTimeoutException waitingForUs) {
                return true;
            }
        } catch (java.io.IOException refused) {
            return false;
        }
    }

    /**
     * etcd's rule: with --client-cert-auth and auth on, a call without a token is made as the user its
     * certificate's CN names; a token still wins.
     */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void theCertificateNamesTheUserWithoutAToken(String engine) throws Exception {
        try (Client root = trusted(engine, "root"); Client alice = trusted(engine, "alice");
             Client mallory = trusted(engine, "mallory")) {
            TernHarness.enableAuthWithAlice(root.getAuthClient());
            try {
                alice.getKVClient().put(bs("a/1"), bs("x")).get(10, TimeUnit.SECONDS);
                assertThat(catchThrowable(() -> alice.getKVClient().put(bs("b/1"), bs("x")).get(10, TimeUnit.SECONDS)))
                        .hasMessageContaining("etcdserver: permission denied");
                assertThat(catchThrowable(() -> mallory.getKVClient().get(bs("a/1")).get(10, TimeUnit.SECONDS)))
                        .hasMessageContaining("etcdserver: permission denied");
                root.getKVClient().put(bs("b/1"), bs("by-root-cert")).get(10, TimeUnit.SECONDS);
                ClientBuilder b = Client.builder().endpoints("https://127.0.0.1:" + servers.get(engine).clientPort(0))
                        .user(bs("root")).password(bs("rootpw"));
                tls(b, clients.get("alice"));
                try (Client aliceCertRootToken = b.build()) {
                    aliceCertRootToken.getKVClient().put(bs("b/2"), bs("token wins")).get(10, TimeUnit.SECONDS);
                }
            } finally {
                root.getAuthClient().authDisable().get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The revocation list is read on every handshake: revoking a certificate shuts it out at once. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void aRewrittenRevocationListTakesEffect(String engine, @TempDir Path own) throws Exception {
        TestCerts.Issued late = ca.issue("late-" + engine, "late", List.of());
        Path crl = ca.crl("crl-" + engine + ".pem");
        TlsConfig.Side side = new TlsConfig.Side(Optional.of(server.certFile()), Optional.of(server.keyFile()),
                Optional.of(ca.certFile()), true, Optional.of(crl), false, "", "");
        try (TernServer s = TernServer.start(ServerConfig.singleNode("default", own, 0, TernHarness.freePort(), engine)
                .withTls(new TlsConfig(side, TlsConfig.Side.NONE, List.of(), "TLS1.2", "")))) {
            ClientBuilder b = Client.builder().endpoints("https://127.0.0.1:" + s.clientPort(0));
            tls(b, late);
            try (Client c = b.build()) {
                c.getKVClient().put(bs("k"), bs("v")).get(10, TimeUnit.SECONDS);
            }
            // A context that connected before offers to resume that session: resumption must not skip the list.
            SSLContext earlier = clientContext(late);
            assertThat(accepted(earlier, s.clientPort(0), "TLSv1.3")).isTrue();
            Files.move(ca.crl("crl-" + engine + "-next.pem", late.serial()), crl,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Thread.sleep(1500); // past the server's one-second session lifetime
            assertThat(accepted(earlier, s.clientPort(0), "TLSv1.3")).as("resumed after revocation").isFalse();
            assertThat(accepted(earlier, s.clientPort(0), "TLSv1.2")).as("TLS 1.2 after revocation").isFalse();
            ClientBuilder again = Client.builder().endpoints("https://127.0.0.1:" + s.clientPort(0))
                    .waitForReady(false).retryMaxAttempts(1);
            tls(again, late);
            try (Client c = again.build()) {
                assertThat(catchThrowable(() -> c.getKVClient().get(bs("k")).get(10, TimeUnit.SECONDS)))
                        .hasMessageContaining("UNAVAILABLE");
            }
        }
    }

    /**
     * --auto-tls: a self-signed certificate for the listen host is made under the data directory and
     * kept across restarts; clients that skip verification (etcdctl --insecure-skip-tls-verify) are served.
     */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void autoTlsMakesAndKeepsASelfSignedCertificate(String engine, @TempDir Path own) throws Exception {
        TlsConfig.Side auto = new TlsConfig.Side(Optional.empty(), Optional.empty(), Optional.empty(), false,
                Optional.empty(), true, "", "");
        ServerConfig config = ServerConfig.singleNode("default", own, 0, TernHarness.freePort(), engine)
                .withTls(new TlsConfig(auto, TlsConfig.Side.NONE, List.of(), "TLS1.2", ""));
        Path certFile = own.resolve("fixtures/client/cert.pem");
        byte[] first = null;
        for (int round = 0; round < 2; round++) {
            try (TernServer s = TernServer.start(config);
                 Client c = insecure(s)) {
                c.getKVClient().put(bs("auto"), bs("tls")).get(10, TimeUnit.SECONDS);
            }
            if (round == 0) {
                first = Files.readAllBytes(certFile);
                X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(Files.newInputStream(certFile));
                assertThat(cert.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList()).contains("127.0.0.1");
                assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=etcd");
                assertThat(Files.getPosixFilePermissions(own.resolve("fixtures/client/key.pem")))
                        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                                java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            } else {
                assertThat(Files.readAllBytes(certFile)).as("the certificate is kept").isEqualTo(first);
            }
        }
    }

    /** etcd reads its certificate files on every handshake: a rotated certificate is served without a restart. */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void aRewrittenCertificateIsServedWithoutARestart(String engine, @TempDir Path own) throws Exception {
        Path cert = own.resolve("cert.pem");
        Path key = own.resolve("key.pem");
        Files.copy(server.certFile(), cert);
        Files.copy(server.keyFile(), key);
        TlsConfig.Side side = new TlsConfig.Side(Optional.of(cert), Optional.of(key), Optional.of(ca.certFile()), true,
                Optional.empty(), false, "", "");
        try (TernServer s = TernServer.start(ServerConfig.singleNode("default", own.resolve("data"), 0,
                TernHarness.freePort(), engine).withTls(new TlsConfig(side, TlsConfig.Side.NONE, List.of(), "TLS1.2", "")))) {
            int port = s.clientPort(0);
            assertThat(servedSerial(port)).isEqualTo(server.serial());
            TestCerts.Issued next = ca.issue("server-next-" + engine, "server", List.of("127.0.0.1", "localhost"));
            java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.from(
                    java.time.Instant.now().plusSeconds(5));
            Files.copy(next.certFile(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(next.keyFile(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(cert, later);
            Files.setLastModifiedTime(key, later);
            Eventually.within(java.time.Duration.ofSeconds(10), () -> assertThat(servedSerial(port)).isEqualTo(next.serial()));
            try (Client c = trustedOn(port, "alice")) {
                c.getKVClient().put(bs("rotated"), bs("yes")).get(10, TimeUnit.SECONDS);
            }
        }
    }

    private Client trustedOn(int port, String cn) {
        ClientBuilder b = Client.builder().endpoints("https://127.0.0.1:" + port);
        tls(b, clients.get(cn));
        return b.build();
    }

    /** The serial number of the certificate the server presents in a fresh handshake. */
    private java.math.BigInteger servedSerial(int port) throws Exception {
        try (SSLSocket socket = (SSLSocket) clientContext(clients.get("alice")).getSocketFactory()
                .createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
