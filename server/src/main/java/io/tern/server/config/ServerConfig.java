package io.tern.server.config;

import io.tern.api.maintenance.AutoCompactor;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a member needs to start, typed and validated. Built from flags by {@link TernCommand} or
 * directly by tests.
 *
 * @param name                  {@code --name}
 * @param dataDir               {@code --data-dir}
 * @param listenClientUrls      {@code --listen-client-urls}: where gRPC and HTTP are served
 * @param advertiseClientUrls   {@code --advertise-client-urls}
 * @param listenPeerUrls        {@code --listen-peer-urls}: where peer traffic is accepted (the first URL)
 * @param initialAdvertisePeerUrls {@code --initial-advertise-peer-urls}
 * @param initialCluster        {@code --initial-cluster}: member name to its peer URLs
 * @param initialClusterToken   {@code --initial-cluster-token}
 * @param joinExisting          {@code --initial-cluster-state existing}: join a running cluster that
 *                              already lists this member (etcdctl member add)
 * @param maxLearners           {@code --max-learners}
 * @param storageBackend        {@code --storage-backend}: the storage engine's provider name
 * @param maxRequestBytes       {@code --max-request-bytes}
 * @param maxTxnOps             {@code --max-txn-ops}
 * @param heartbeat             {@code --heartbeat-interval}
 * @param electionTimeout       {@code --election-timeout}
 * @param snapshotCount         {@code --snapshot-count}
 * @param watchProgressInterval {@code --experimental-watch-progress-notify-interval}
 * @param auth                  {@code --auth-token}, {@code --auth-token-ttl}, {@code --bcrypt-cost}
 * @param tls                   certificates and checks for {@code https} client and peer URLs
 * @param listenMetricsUrls     {@code --listen-metrics-urls}: plain HTTP listeners for /metrics and the probes
 * @param quotaBackendBytes     {@code --quota-backend-bytes}: 0 for etcd's 2 GiB, negative for none
 * @param autoCompaction        {@code --auto-compaction-mode} and {@code --auto-compaction-retention}
 */
public record ServerConfig(
        String name,
        Path dataDir,
        List<URI> listenClientUrls,
        List<URI> advertiseClientUrls,
        List<URI> listenPeerUrls,
        List<URI> initialAdvertisePeerUrls,
        Map<String, List<URI>> initialCluster,
        String initialClusterToken,
        boolean joinExisting,
        int maxLearners,
        String storageBackend,
        int maxRequestBytes,
        int maxTxnOps,
        Duration heartbeat,
        Duration electionTimeout,
        long snapshotCount,
        Duration watchProgressInterval,
        Auth auth,
        TlsConfig tls,
        List<URI> listenMetricsUrls,
        long quotaBackendBytes,
        AutoCompactor.Settings autoCompaction) {

    /**
     * @param tokenTtl   {@code --auth-token-ttl}: a simple token's life past its last use
     * @param bcryptCost {@code --bcrypt-cost}: of the password hashes this member makes (4 to 31)
     * @param token      {@code --auth-token}: simple tokens or JWTs
     */
    public record Auth(Duration tokenTtl, int bcryptCost, AuthToken token) {
        public static final Auth DEFAULTS = new Auth(Duration.ofSeconds(300), 10, AuthToken.SIMPLE);

        public Auth {
            if (bcryptCost < 4 || bcryptCost > 31) {
                throw new IllegalArgumentException("--bcrypt-cost must be between 4 and 31, got " + bcryptCost);
            }
            if (tokenTtl.isNegative() || tokenTtl.isZero()) {
                throw new IllegalArgumentException("--auth-token-ttl must be positive");
            }
        }
    }

    public ServerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(autoCompaction, "autoCompaction");
        listenClientUrls = List.copyOf(listenClientUrls);
        listenMetricsUrls = List.copyOf(listenMetricsUrls);
        for (URI u : listenMetricsUrls) {
            if (!"http".equals(u.getScheme()) || u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException("--listen-metrics-urls: expected http://host:port, got " + u);
            }
        }
        advertiseClientUrls = List.copyOf(advertiseClientUrls);
        listenPeerUrls = List.copyOf(listenPeerUrls);
        initialAdvertisePeerUrls = List.copyOf(initialAdvertisePeerUrls);
        initialCluster = Map.copyOf(initialCluster);
        if (listenClientUrls.isEmpty()) {
            throw new IllegalArgumentException("--listen-client-urls must name at least one URL");
        }
        checkUrls("--listen-client-urls", listenClientUrls);
        for (URI u : listenClientUrls) {
            if ("https".equals(u.getScheme()) && !tls.client().serves()) {
                throw new IllegalArgumentException("TLS key/cert (--cert-file, --key-file) must be provided for client url "
                        + u + " with HTTPS scheme");
            }
        }
        if (listenPeerUrls.isEmpty() || initialAdvertisePeerUrls.isEmpty()) {
            throw new IllegalArgumentException("--listen-peer-urls and --initial-advertise-peer-urls must name a URL each");
        }
        checkUrls("--listen-peer-urls", listenPeerUrls);
        checkPeerSchemes(listenPeerUrls, initialAdvertisePeerUrls, initialCluster, tls.peer());
        if (maxLearners < 0) {
            throw new IllegalArgumentException("--max-learners must not be negative");
        }
        if (!initialCluster.containsKey(name)) {
            throw new IllegalArgumentException("--initial-cluster has no member named '" + name
                    + "' (--name); it has " + initialCluster.keySet());
        }
        if (electionTimeout.compareTo(heartbeat.multipliedBy(5)) < 0) {
            throw new IllegalArgumentException("--election-timeout[" + electionTimeout.toMillis()
                    + "ms] should be at least as 5 times as --heartbeat-interval[" + heartbeat.toMillis() + "ms]");
        }
        if (watchProgressInterval.toMillis() < 100) {
            throw new IllegalArgumentException("--experimental-watch-progress-notify-interval must be at least 100ms, got "
                    + watchProgressInterval.toMillis() + "ms");
        }
        if (maxRequestBytes <= 0 || maxTxnOps <= 0) {
            throw new IllegalArgumentException("--max-request-bytes and --max-txn-ops must be positive");
        }
    }

    private static void checkUrls(String flag, List<URI> urls) {
        for (URI u : urls) {
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getPort() < 0) {
                throw new IllegalArgumentException(flag + ": expected http://host:port or https://host:port, got " + u);
            }
        }
    }

    /**
     * Peer traffic is TLS when the peer listen URL is {@code https}. Raft dials every member the same
     * way, so every peer URL, this member's and the others', must then be {@code https}, and none may
     * be while this member listens in plain text.
     */
    private static void checkPeerSchemes(List<URI> listen, List<URI> advertise, Map<String, List<URI>> cluster,
                                         TlsConfig.Side peer) {
        String scheme = listen.get(0).getScheme();
        if ("https".equals(scheme) && !peer.serves()) {
            throw new IllegalArgumentException("cannot listen on TLS for " + listen.get(0).getHost() + ":"
                    + listen.get(0).getPort() + ": KeyFile and CertFile are not presented");
        }
        java.util.stream.Stream.of(listen.stream(), advertise.stream(), cluster.values().stream().flatMap(List::stream))
                .flatMap(s -> s)
                .filter(u -> !scheme.equals(u.getScheme()))
                .findFirst()
                .ifPresent(u -> {
                    throw new IllegalArgumentException("peer URL " + u + " is not " + scheme + " like --listen-peer-urls "
                            + listen.get(0) + ": all members' peer traffic must be TLS (https) or all plain (http)");
                });
    }

    /** A single-member configuration for tests: client URL on 127.0.0.1 with the given port (0 = any). */
    public static ServerConfig singleNode(String name, Path dataDir, int clientPort, int peerPort, String backend) {
        URI peer = URI.create("http://127.0.0.1:" + peerPort);
        URI client = URI.create("http://127.0.0.1:" + clientPort);
        return new ServerConfig(name, dataDir, List.of(client), List.of(client), List.of(peer), List.of(peer),
                Map.of(name, List.of(peer)), "etcd-cluster", false, 1, backend, 1536 * 1024, 128,
                Duration.ofMillis(100), Duration.ofMillis(1000), 100_000, Duration.ofMinutes(10), Auth.DEFAULTS,
                TlsConfig.NONE, List.of(), 0, AutoCompactor.Settings.OFF);
    }

    /** This configuration with another {@code --snapshot-count}. */
    public ServerConfig withSnapshotCount(long count) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, initialCluster, initialClusterToken, joinExisting, maxLearners, storageBackend,
                maxRequestBytes, maxTxnOps, heartbeat,
                electionTimeout, count, watchProgressInterval, auth, tls, listenMetricsUrls, quotaBackendBytes, autoCompaction);
    }

    /** This configuration with another watch progress notification interval. */
    public ServerConfig withWatchProgressInterval(Duration interval) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, initialCluster, initialClusterToken, joinExisting, maxLearners, storageBackend,
                maxRequestBytes, maxTxnOps, heartbeat,
                electionTimeout, snapshotCount, interval, auth, tls, listenMetricsUrls, quotaBackendBytes, autoCompaction);
    }

    /** This configuration with other auth settings. */
    public ServerConfig withAuth(Auth other) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, initialCluster, initialClusterToken, joinExisting, maxLearners, storageBackend,
                maxRequestBytes, maxTxnOps, heartbeat, electionTimeout, snapshotCount, watchProgressInterval, other, tls, listenMetricsUrls, quotaBackendBytes, autoCompaction);
    }

    /**
     * This configuration with TLS: every client and peer URL, listened and advertised, switches to
     * {@code https} when the matching side serves a certificate.
     */
    public ServerConfig withTls(TlsConfig other) {
        java.util.function.BiFunction<List<URI>, Boolean, List<URI>> scheme = (urls, secure) -> urls.stream()
                .map(u -> URI.create((secure ? "https" : "http") + "://" + u.getHost() + ":" + u.getPort())).toList();
        boolean client = other.client().serves();
        boolean peer = other.peer().serves();
        Map<String, List<URI>> cluster = new java.util.HashMap<>();
        initialCluster.forEach((n, urls) -> cluster.put(n, scheme.apply(urls, peer)));
        return new ServerConfig(name, dataDir, scheme.apply(listenClientUrls, client), scheme.apply(advertiseClientUrls, client),
                scheme.apply(listenPeerUrls, peer), scheme.apply(initialAdvertisePeerUrls, peer), cluster, initialClusterToken,
                joinExisting, maxLearners, storageBackend, maxRequestBytes, maxTxnOps, heartbeat, electionTimeout,
                snapshotCount, watchProgressInterval, auth, other, listenMetricsUrls, quotaBackendBytes, autoCompaction);
    }

    /** This configuration with another quota and automatic compaction. */
    public ServerConfig withHousekeeping(long quota, AutoCompactor.Settings compaction) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, initialCluster, initialClusterToken, joinExisting, maxLearners, storageBackend,
                maxRequestBytes, maxTxnOps, heartbeat, electionTimeout, snapshotCount, watchProgressInterval, auth, tls,
                listenMetricsUrls, quota, compaction);
    }

    /** This configuration with plain HTTP metrics listeners. */
    public ServerConfig withMetricsUrls(List<URI> urls) {
        return new ServerConfig(name, dataDir, listenClientUrls, advertiseClientUrls, listenPeerUrls,
                initialAdvertisePeerUrls, initialCluster, initialClusterToken, joinExisting, maxLearners, storageBackend,
                maxRequestBytes, maxTxnOps, heartbeat, electionTimeout, snapshotCount, watchProgressInterval, auth, tls, urls, quotaBackendBytes, autoCompaction);
    }
}
