package io.tern.server.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class TernCommandTest {

    record Case(String name, List<String> args, Map<String, String> env,
                Function<ServerConfig, Object> read, Object expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("defaults: name", List.of(), Map.of(), ServerConfig::name, "default"),
                new Case("defaults: data dir from name", List.of(), Map.of(), ServerConfig::dataDir, Path.of("default.tern")),
                new Case("defaults: client URL", List.of(), Map.of(), ServerConfig::listenClientUrls,
                        List.of(URI.create("http://localhost:2379"))),
                new Case("defaults: engine", List.of(), Map.of(), ServerConfig::storageBackend, "mvstore"),
                new Case("defaults: request limit", List.of(), Map.of(), ServerConfig::maxRequestBytes, 1572864),
                new Case("defaults: txn ops", List.of(), Map.of(), ServerConfig::maxTxnOps, 128),
                new Case("data dir follows --name", List.of("--name", "n1"), Map.of(), ServerConfig::dataDir, Path.of("n1.tern")),
                new Case("flag", List.of("--storage-backend", "rocksdb"), Map.of(), ServerConfig::storageBackend, "rocksdb"),
                new Case("env", List.of(), Map.of("ETCD_STORAGE_BACKEND", "rocksdb"), ServerConfig::storageBackend, "rocksdb"),
                new Case("defaults: watch progress", List.of(), Map.of(), ServerConfig::watchProgressInterval,
                        java.time.Duration.ofMinutes(10)),
                new Case("watch progress as Go duration", List.of("--experimental-watch-progress-notify-interval", "1m30s"),
                        Map.of(), ServerConfig::watchProgressInterval, java.time.Duration.ofSeconds(90)),
                new Case("flag wins over env", List.of("--max-txn-ops", "7"), Map.of("ETCD_MAX_TXN_OPS", "9"),
                        ServerConfig::maxTxnOps, 7),
                new Case("env data dir", List.of(), Map.of("ETCD_DATA_DIR", "/var/lib/tern"), ServerConfig::dataDir,
                        Path.of("/var/lib/tern")),
                new Case("several client URLs", List.of("--listen-client-urls", "http://127.0.0.1:1,http://127.0.0.1:2"),
                        Map.of(), c -> c.listenClientUrls().size(), 2),
                new Case("initial cluster defaults to self", List.of("--name", "m", "--initial-advertise-peer-urls",
                        "http://10.0.0.1:2380"), Map.of(), ServerConfig::initialCluster,
                        Map.of("m", List.of(URI.create("http://10.0.0.1:2380")))),
                new Case("defaults: peer URL", List.of(), Map.of(), ServerConfig::listenPeerUrls,
                        List.of(URI.create("http://localhost:2380"))),
                new Case("defaults: a new cluster", List.of(), Map.of(), ServerConfig::joinExisting, false),
                new Case("defaults: one learner", List.of(), Map.of(), ServerConfig::maxLearners, 1),
                new Case("joining an existing cluster", List.of("--initial-cluster-state", "existing"), Map.of(),
                        ServerConfig::joinExisting, true),
                new Case("env cluster state", List.of(), Map.of("ETCD_INITIAL_CLUSTER_STATE", "existing"),
                        ServerConfig::joinExisting, true),
                new Case("max learners", List.of("--max-learners", "3"), Map.of(), ServerConfig::maxLearners, 3),
                new Case("heartbeat and election", List.of("--heartbeat-interval", "50", "--election-timeout", "500"),
                        Map.of(), c -> List.of(c.heartbeat().toMillis(), c.electionTimeout().toMillis()), List.of(50L, 500L)),
                new Case("env snapshot count", List.of(), Map.of("ETCD_SNAPSHOT_COUNT", "5000"),
                        ServerConfig::snapshotCount, 5000L),
                new Case("three-member cluster", List.of("--name", "b", "--initial-advertise-peer-urls", "http://h2:2380",
                        "--initial-cluster", "a=http://h1:2380,b=http://h2:2380,c=http://h3:2380"), Map.of(),
                        c -> c.initialCluster().keySet().stream().sorted().toList(), List.of("a", "b", "c")),
                new Case("defaults: no TLS", List.of(), Map.of(), c -> c.tls().client(), TlsConfig.Side.NONE),
                new Case("defaults: no peer TLS", List.of(), Map.of(), c -> c.tls().peer().serves(), false),
                new Case("defaults: peers' certificates are checked against their address", List.of(), Map.of(),
                        c -> c.tls().peer().checkClientAddress(), true),
                new Case("--experimental-peer-skip-client-san-verification",
                        List.of("--experimental-peer-skip-client-san-verification"), Map.of(),
                        c -> c.tls().peer().checkClientAddress(), false),
                new Case("--quota-backend-bytes", List.of("--quota-backend-bytes", "1048576"), Map.of(),
                        ServerConfig::quotaBackendBytes, 1048576L),
                new Case("ETCD_QUOTA_BACKEND_BYTES", List.of(), Map.of("ETCD_QUOTA_BACKEND_BYTES", "-1"),
                        ServerConfig::quotaBackendBytes, -1L),
                new Case("auto compaction off by default", List.of(), Map.of(), c -> c.autoCompaction().enabled(), false),
                new Case("periodic retention in hours", List.of("--auto-compaction-retention", "2"), Map.of(),
                        c -> c.autoCompaction().period(), java.time.Duration.ofHours(2)),
                new Case("periodic retention as a duration", List.of("--auto-compaction-retention", "30m"), Map.of(),
                        c -> c.autoCompaction().period(), java.time.Duration.ofMinutes(30)),
                new Case("revision retention", List.of("--auto-compaction-mode", "revision",
                        "--auto-compaction-retention", "1000"), Map.of(), c -> c.autoCompaction().revisions(), 1000L),
                new Case("client TLS flags", List.of("--listen-client-urls", "https://127.0.0.1:2379", "--cert-file", "s.pem",
                        "--key-file", "s-key.pem", "--trusted-ca-file", "ca.pem", "--client-cert-auth", "--client-crl-file", "crl.pem"),
                        Map.of(), c -> c.tls().client(), new TlsConfig.Side(Optional.of(Path.of("s.pem")),
                        Optional.of(Path.of("s-key.pem")), Optional.of(Path.of("ca.pem")), true, Optional.of(Path.of("crl.pem")),
                        false, "", "")),
                new Case("peer TLS from the environment", List.of(), Map.of("ETCD_LISTEN_PEER_URLS", "https://127.0.0.1:2380",
                        "ETCD_INITIAL_ADVERTISE_PEER_URLS", "https://127.0.0.1:2380", "ETCD_PEER_AUTO_TLS", "true",
                        "ETCD_PEER_CERT_ALLOWED_CN", "member"),
                        c -> List.of(c.tls().peer().autoTls(), c.tls().peer().allowedCn()), List.of(true, "member")),
                new Case("TLS versions, newest first", List.of("--tls-max-version", "TLS1.2"), Map.of(),
                        c -> c.tls().protocols(), List.of("TLSv1.2")),
                new Case("defaults: TLS 1.3 and 1.2", List.of(), Map.of(), c -> c.tls().protocols(), List.of("TLSv1.3", "TLSv1.2")),
                new Case("cipher suites", List.of("--cipher-suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
                        Map.of(), c -> c.tls().cipherSuites().size(), 2),
                new Case("defaults: simple tokens", List.of(), Map.of(), c -> c.auth().token(), AuthToken.SIMPLE),
                new Case("jwt token options", List.of("--auth-token", "jwt,pub-key=p.pem,priv-key=k.pem,sign-method=ES256,ttl=1h"),
                        Map.of(), c -> c.auth().token(), new AuthToken(true, Optional.of(Path.of("p.pem")),
                        Optional.of(Path.of("k.pem")), "ES256", java.time.Duration.ofHours(1))));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void parsesFlagsAndEnvironment(Case c) {
        TernCommand command = new TernCommand();
        new CommandLine(command).setDefaultValueProvider(new EtcdEnvironment(c.env()))
                .parseArgs(c.args().toArray(String[]::new));
        assertThat(c.read().apply(command.toConfig())).isEqualTo(c.expected());
    }

    record Bad(String name, List<String> args, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Bad> bad() {
        return List.of(
                new Bad("not a URL", List.of("--listen-client-urls", "nonsense"), "expected scheme://host:port"),
                new Bad("watch progress too short", List.of("--experimental-watch-progress-notify-interval", "50ms"),
                        "must be at least 100ms"),
                new Bad("https without a certificate", List.of("--listen-client-urls", "https://127.0.0.1:2379"),
                        "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme"),
                new Bad("cert without key", List.of("--cert-file", "c.pem"), "KeyFile and CertFile must both be present[key: , cert: c.pem]"),
                new Bad("unknown TLS version", List.of("--tls-min-version", "TLS1.0"), "unexpected TLS version TLS1.0"),
                new Bad("TLS versions crossed", List.of("--tls-min-version", "TLS1.3", "--tls-max-version", "TLS1.2"),
                        "min version (TLS1.3) is greater than max version (TLS1.2)"),
                new Bad("cipher suites with TLS 1.3 only", List.of("--tls-min-version", "TLS1.3", "--cipher-suites",
                        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), "cipher suites cannot be configured when only TLS1.3 is enabled"),
                new Bad("allowed CN and hostname", List.of("--peer-cert-allowed-cn", "a", "--peer-cert-allowed-hostname", "b"),
                        "AllowedCN and AllowedHostname are mutually exclusive"),
                new Bad("peer schemes mixed", List.of("--listen-peer-urls", "https://127.0.0.1:2380", "--peer-auto-tls"),
                        "all members' peer traffic must be TLS (https) or all plain (http)"),
                new Bad("unknown token type", List.of("--auth-token", "paseto"), "unknown token type \"paseto\""),
                new Bad("jwt without a method", List.of("--auth-token", "jwt,priv-key=k.pem"), "auth: invalid auth signature method"),
                new Bad("unknown compaction mode", List.of("--auto-compaction-mode", "daily"), "unknown auto-compaction-mode"),
                new Bad("revision retention not a number", List.of("--auto-compaction-mode", "revision",
                        "--auto-compaction-retention", "1h"), "invalid --auto-compaction-retention '1h'"),
                new Bad("jwt without keys", List.of("--auth-token", "jwt,sign-method=RS256"), "auth: missing key data"),
                new Bad("self missing from cluster", List.of("--name", "a", "--initial-cluster", "b=http://127.0.0.1:2380"),
                        "no member named 'a'"),
                new Bad("election too short", List.of("--heartbeat-interval", "100", "--election-timeout", "300"),
                        "at least as 5 times"),
                new Bad("cluster state", List.of("--initial-cluster-state", "maybe"), "'new' or 'existing'"),
                new Bad("negative learners", List.of("--max-learners", "-1"), "must not be negative"),
                new Bad("peer https without a certificate", List.of("--listen-peer-urls", "https://127.0.0.1:2380",
                        "--initial-advertise-peer-urls", "https://127.0.0.1:2380"),
                        "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented"));
    }

    @ParameterizedTest
    @MethodSource("bad")
    void rejectsBadSettingsWithAMessage(Bad b) {
        TernCommand command = new TernCommand();
        new CommandLine(command).setDefaultValueProvider(new EtcdEnvironment(Map.of()))
                .parseArgs(b.args().toArray(String[]::new));
        Throwable t = catchThrowable(command::toConfig);
        assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(b.message());
    }

    @org.junit.jupiter.api.Test
    void environmentVariableNamesFollowEtcd() {
        assertThat(EtcdEnvironment.variableFor("--data-dir")).isEqualTo("ETCD_DATA_DIR");
        assertThat(EtcdEnvironment.variableFor("--listen-client-urls")).isEqualTo("ETCD_LISTEN_CLIENT_URLS");
    }
}
