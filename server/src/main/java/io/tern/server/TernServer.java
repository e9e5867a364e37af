package io.tern.server;

import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http2.Http2Config;
import io.tern.api.apply.KvStateMachine;
import io.tern.api.cluster.ClusterView;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.apply.Proposer;
import io.tern.api.cluster.IdGenerator;
import io.tern.api.concurrency.ElectionService;
import io.tern.api.concurrency.LockService;
import io.tern.api.kv.KvLimits;
import io.tern.api.lease.LeaseExpiry;
import io.tern.api.lease.LeaseLimits;
import io.tern.api.lease.LeaseService;
import io.tern.api.lease.Lessor;
import io.tern.api.watch.WatchConfig;
import io.tern.api.watch.WatchHub;
import io.tern.api.kv.KvService;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.proto.etcdserverpb.AuthGrpc;
import io.tern.server.config.ServerConfig;
import io.tern.server.grpc.ClusterEndpoint;
import io.tern.server.grpc.ConnectionTracker;
import io.tern.server.grpc.ElectionEndpoint;
import io.tern.server.grpc.LockEndpoint;
import io.tern.server.grpc.StreamReaper;
import io.tern.server.grpc.KvEndpoint;
import io.tern.server.grpc.LeaseEndpoint;
import io.tern.server.grpc.WatchEndpoint;
import io.tern.server.grpc.MaintenanceEndpoint;
import io.tern.server.grpc.MessageSizeLimit;
import io.tern.server.http.HealthRoutes;
import io.tern.spi.Providers;
import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusProvider;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageProvider;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One running member: storage engine, state machine, consensus and the web server on every client URL.
 * {@link #start} builds and starts everything; {@link #close} stops it in reverse order.
 */
public final class TernServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TernServer.class.getName());
    /** etcd lets gRPC messages exceed the request limit by this much, so the limit itself answers. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;
    /**
     * Helidon's own cap on one message: above it Helidon answers INTERNAL. It is set well above etcd's
     * limit so that {@link MessageSizeLimit} can answer etcd's RESOURCE_EXHAUSTED for anything in between.
     */
    private static final int GRPC_READ_BUFFER_BYTES = 16 * 1024 * 1024;
    /** Concurrent HTTP/2 streams one client connection may hold open (watch and keep-alive streams count). */
    private static final int MAX_STREAMS_PER_CONNECTION = 16_384;

    private final ServerConfig config;
    private final KvStateMachine stateMachine;
    private final ConsensusEngine consensus;
    private final Services services;
    private final WebServer web;

    /** What the endpoints serve; built once consensus exists, closed before it. */
    private record Services(KvService kv, MaintenanceService maintenance, ClusterView cluster, WatchHub watches,
                            LeaseService leases, LeaseExpiry expiry, ConnectionTracker connections) {
        void close() {
            try {
                expiry.close();
            } finally {
                watches.close();
            }
        }
    }

    private TernServer(ServerConfig config, KvStateMachine stateMachine, ConsensusEngine consensus, Services services,
                       WebServer web) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.consensus = consensus;
        this.services = services;
        this.web = web;
    }

    public static TernServer start(ServerConfig config) {
        ClassLoader loader = TernServer.class.getClassLoader();
        StorageProvider storage = Providers.select(StorageProvider.class, StorageProvider::name,
                config.storageBackend(), "storage engine", loader);
        ConsensusProvider raft = Providers.select(ConsensusProvider.class, ConsensusProvider::name,
                "jraft", "consensus engine", loader);

        for (URI u : config.listenClientUrls()) {
            checkBindable(u);
        }
        DataDir dir = new DataDir(config.dataDir());
        dir.claim(storage.name());

        Bootstrap bootstrap = dir.bootstrap(Bootstrap.fromConfig(config));
        List<ClusterView.MemberInfo> members = bootstrap.members();
        List<ConsensusConfig.Peer> peers = new ArrayList<>();
        for (ClusterView.MemberInfo m : members) {
            URI peer = URI.create(m.peerUrls().get(0));
            peers.add(new ConsensusConfig.Peer(m.name(), m.id(), peer.getHost(), peer.getPort()));
        }
        long memberId = bootstrap.selfMember().id();
        long clusterId = bootstrap.clusterId();
        ResponseHeaders headers = new ResponseHeaders(clusterId, memberId);

        Lessor lessor = new Lessor(System::nanoTime);
        KvStateMachine sm = new KvStateMachine(storage, StorageConfig.of(dir.kv()),
                new StorageContext(config.name()), headers, lessor, config.electionTimeout());
        Duration requestTimeout = Duration.ofSeconds(5).plus(config.electionTimeout().multipliedBy(2));
        ConsensusEngine consensus = raft.create(new ConsensusConfig(config.name(), memberId, dir.raft(), peers,
                config.heartbeat(), config.electionTimeout(), config.snapshotCount(), requestTimeout), sm);
        WatchHub watches = new WatchHub(sm::store, headers, consensus::term,
                WatchConfig.defaults(config.maxRequestBytes()).withProgressInterval(config.watchProgressInterval()));
        sm.listen(watches);
        Proposer proposer = new Proposer(consensus, config.maxRequestBytes());
        LeaseService leases = new LeaseService(proposer, lessor, sm::store, headers,
                new IdGenerator(memberId, System.currentTimeMillis()),
                LeaseLimits.forElectionTimeout(config.electionTimeout()));
        Services services = new Services(
                new KvService(consensus, sm::store, headers, new KvLimits(config.maxRequestBytes(), config.maxTxnOps())),
                new MaintenanceService(consensus, sm::store, headers),
                new ClusterView(headers, members, () -> sm.store().currentRevision(), consensus),
                watches, leases, new LeaseExpiry(leases, requestTimeout), new ConnectionTracker());
        WebServer web = null;
        try {
            consensus.start();
            services.expiry().start();
            web = buildWeb(config, services, consensus).start();
            if (!web.isRunning()) {
                throw new IllegalStateException("the web server did not start on " + config.listenClientUrls());
            }
        } catch (RuntimeException e) {
            services.close();
            consensus.close();
            sm.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "tern member {0} ({1}) of cluster {2} serving clients on {3}",
                config.name(), Long.toHexString(memberId), Long.toHexString(clusterId), config.listenClientUrls());
        return new TernServer(config, sm, consensus, services, web);
    }

    private static WebServer buildWeb(ServerConfig config, Services services, ConsensusEngine consensus) {
        WebServerConfig.Builder builder = WebServer.builder();
        List<URI> urls = config.listenClientUrls();
        for (int i = 0; i < urls.size(); i++) {
            URI u = urls.get(i);
            if (i == 0) {
                configure(builder, "@default", u, config, services, consensus);
            } else {
                ListenerConfig.Builder listener = ListenerConfig.builder();
                configure(listener, "client-" + i, u, config, services, consensus);
                builder.putSocket("client-" + i, listener.build());
            }
        }
        return builder.build();
    }

    private static void configure(ListenerConfig.BuilderBase<?, ?> listener, String name, URI url, ServerConfig config,
                                  Services services, ConsensusEngine consensus) {
        GrpcRouting.Builder grpc = GrpcRouting.builder()
                .intercept(new MessageSizeLimit(config.maxRequestBytes() + GRPC_OVERHEAD_BYTES))
                .intercept(services.connections().contextKeeper())
                .intercept(StreamReaper.interceptor(services.connections()))
                .service(new KvEndpoint(services.kv()))
                .service(new MaintenanceEndpoint(services.maintenance()))
                .service(new ClusterEndpoint(services.cluster()))
                .service(new WatchEndpoint(services.watches(), services.connections()))
                .service(new LeaseEndpoint(services.leases()))
                .service(new LockEndpoint(new LockService(services.kv(), services.leases(), services.watches()),
                        services.connections()))
                .service(new ElectionEndpoint(new ElectionService(services.kv(), services.leases(), services.watches()),
                        services.connections()))
                // Registered so clients get a gRPC UNIMPLEMENTED rather than an HTTP 404 until their work lands.
                .service(new AuthGrpc.AuthImplBase() { });
        // Helidon 4.4 forgets a connection's finished streams only when their count reaches
        // maxConcurrentStreams: the limit must be finite or every stream ever opened stays in memory.
        // A client that stops reading blocks only its own sends; its watchers fall back to catching up.
        // Helidon's 15 s default would instead fail the stream, where etcd keeps waiting.
        Http2Config http2 = Http2Config.builder()
                .maxRapidResets(Integer.MAX_VALUE)
                .maxConcurrentStreams(MAX_STREAMS_PER_CONNECTION)
                .flowControlTimeout(Duration.ofMinutes(5))
                .build();
        GrpcConfig grpcConfig = GrpcConfig.builder()
                .maxReadBufferSize(Math.max(GRPC_READ_BUFFER_BYTES, 2 * (config.maxRequestBytes() + GRPC_OVERHEAD_BYTES)))
                .build();
        listener.host(url.getHost())
                .port(url.getPort())
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Ours first: HTTP/2 with connection-end tracking; Helidon's own stays for HTTP/1 upgrades.
                .addConnectionSelector(services.connections().http2Selector(name, http2, grpcConfig))
                .addProtocol(http2)
                .addProtocol(grpcConfig)
                .addRouting(grpc)
                .routing(HttpRouting.builder().register(new HealthRoutes(consensus)));
    }

    /**
     * Fails with etcd's wording when a client URL cannot be bound, before anything else starts; the web
     * server itself would only log a stack trace.
     */
    private static void checkBindable(URI url) {
        if (url.getPort() == 0) {
            return;
        }
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(url.getHost(), url.getPort()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("listen tcp " + url.getHost() + ":" + url.getPort() + ": bind: "
                    + (e instanceof java.net.BindException ? "address already in use" : e.getMessage()));
        }
    }

    /** The port of the {@code index}-th client URL as bound (useful with port 0). */
    public int clientPort(int index) {
        return index == 0 ? web.port() : web.port("client-" + index);
    }

    public ServerConfig config() {
        return config;
    }

    /** The watch hub (for tests that look at server-side watch state). */
    public WatchHub watches() {
        return services.watches();
    }

    /** Registered connection-close actions (for tests that look for leaks). */
    public int trackedConnectionActions() {
        return services.connections().pending();
    }

    @Override
    public void close() {
        try {
            web.stop();
        } finally {
            try {
                services.close();
            } finally {
                try {
                    consensus.close();
                } finally {
                    stateMachine.close();
                }
            }
        }
    }
}
