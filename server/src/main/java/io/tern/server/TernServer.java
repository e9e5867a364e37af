package io.tern.server;

import io.helidon.webserver.ListenerConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.grpc.BindableService;
import io.grpc.ServerInterceptor;
import io.helidon.webserver.grpc.GrpcConfig;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http2.Http2Config;
import io.tern.api.apply.KvStateMachine;
import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.ClusterService;
import io.tern.api.cluster.MemberPublisher;
import io.tern.api.cluster.MemberReconciler;
import io.tern.api.peer.PeerCallHandler;
import io.tern.api.peer.PeerClient;
import io.tern.api.proto.peer.Identity;
import io.tern.api.proto.peer.IdentityRequest;
import io.tern.api.proto.peer.PeerRequest;
import io.tern.api.proto.peer.PeerResponse;
import io.tern.spi.consensus.PeerAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import io.tern.api.maintenance.Alarms;
import io.tern.api.maintenance.AutoCompactor;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.maintenance.Quota;
import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.server.config.ServerConfig;
import io.tern.server.grpc.ClusterEndpoint;
import io.tern.server.grpc.ConnectionTracker;
import io.tern.server.grpc.ElectionEndpoint;
import io.tern.server.grpc.LockEndpoint;
import io.tern.server.grpc.StreamReaper;
import io.tern.server.grpc.KvEndpoint;
import io.tern.server.grpc.AuthEndpoint;
import io.tern.api.error.ErrorMapper;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.error.EtcdError;
import io.tern.server.grpc.AuthInterceptor;
import io.tern.server.metrics.DiskTimings;
import io.tern.server.metrics.EtcdMetrics;
import io.tern.server.metrics.MetricsRoutes;
import io.tern.server.http.Gateway;
import io.tern.server.http.GatewayPaths;
import io.tern.server.http.GatewayStreams;
import io.tern.server.tls.TlsContexts;
import io.tern.spi.consensus.PeerTls;
import io.tern.api.auth.AuthGuard;
import io.tern.api.auth.AuthService;
import io.tern.api.auth.AuthStore;
import io.tern.server.grpc.LearnerGuard;
import io.tern.api.proto.etcdserverpb.Member;
import java.util.function.BooleanSupplier;
import io.tern.server.grpc.LeaseEndpoint;
import io.tern.server.grpc.WatchEndpoint;
import io.tern.server.grpc.MaintenanceEndpoint;
import io.tern.server.grpc.RequestDecoder;
import io.tern.server.http.HealthRoutes;
import io.tern.spi.Providers;
import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusProvider;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageProvider;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One running member: storage engine, state machine, consensus and the web server on every client URL.
 * {@link #start} builds and starts everything; {@link #close} stops it in reverse order.
 */
public final class TernServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TernServer.class.getName());
    /** etcd lets gRPC messages exceed the request limit by this much, so the limit itself answers. */
    private static final int GRPC_OVERHEAD_BYTES = 512 * 1024;
    /**
     * Helidon's own cap on one message. It is set well above etcd's limit so that {@link RequestDecoder}
     * can answer etcd's RESOURCE_EXHAUSTED for anything in between.
     */
    private static final int GRPC_READ_BUFFER_BYTES = 16 * 1024 * 1024;
    /** Concurrent HTTP/2 streams one client connection may hold open (watch and keep-alive streams count). */
    private static final int MAX_STREAMS_PER_CONNECTION = 16_384;
    /** HTTP/2 inbound flow-control window per stream and connection (Helidon's default, 1 MiB). */
    private static final int HTTP2_WINDOW_BYTES = 1024 * 1024;
    private static final Duration RECONCILE_INTERVAL = Duration.ofMillis(500);
    /** How long a failed Authenticate waits before it answers (see the README's password-guessing note). */
    private static final Duration AUTH_FAILURE_DELAY = Duration.ofSeconds(1);
    private static final Duration PUBLISH_RETRY = Duration.ofMillis(500);
    /** How long a joining member waits to be added to the raft group and receive the member records. */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PEER_CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final ServerConfig config;
    /** The key a probe's serializable read ranges over, as etcd's does. */
    private static final com.google.protobuf.ByteString HEALTH_KEY = com.google.protobuf.ByteString.copyFromUtf8("health");
    private final KvStateMachine stateMachine;
    private final ConsensusEngine consensus;
    private final Services services;
    private final CompletableFuture<MemberIdentity.Stop> selfStop;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile WebServer web;

    /** What the endpoints serve; built once consensus exists, closed before it. */
    private record Services(KvService kv, MaintenanceService maintenance, ClusterService cluster, WatchHub watches,
                            LeaseService leases, LeaseExpiry expiry, ConnectionTracker connections,
                            MemberReconciler reconciler, MemberPublisher publisher, BooleanSupplier learner,
                            AuthService auth, AuthGuard guard, EtcdMetrics metrics, AutoCompactor compactor) {
        void close() {
            try {
                compactor.close();
                maintenance.close();
                publisher.close();
                reconciler.close();
                expiry.close();
            } finally {
                watches.close();
            }
        }
    }

    private TernServer(ServerConfig config, KvStateMachine stateMachine, ConsensusEngine consensus, Services services,
                       CompletableFuture<MemberIdentity.Stop> selfStop) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.consensus = consensus;
        this.services = services;
        this.selfStop = selfStop;
    }

    /** Starts a member without failpoints. */
    public static TernServer start(ServerConfig config) {
        return start(config, Failpoints.NONE);
    }

    /** Starts a member whose storage and MVCC store pass {@code failpoints} (tests only). */
    public static TernServer start(ServerConfig config, Failpoints failpoints) {
        ClassLoader loader = TernServer.class.getClassLoader();
        StorageProvider storage = Providers.select(StorageProvider.class, StorageProvider::name,
                config.storageBackend(), "storage engine", loader);
        ConsensusProvider raft = Providers.select(ConsensusProvider.class, ConsensusProvider::name,
                "jraft", "consensus engine", loader);

        for (URI u : config.listenClientUrls()) {
            checkBindable(u);
        }
        for (URI u : config.listenMetricsUrls()) {
            checkBindable(u);
        }
        URI listenPeer = config.listenPeerUrls().get(0);
        checkBindable(listenPeer);
        DataDir dir = new DataDir(config.dataDir());
        dir.claim(storage.name());
        Optional<TlsContexts.Side> clientTls = config.listenClientUrls().stream().anyMatch(TernServer::secure)
                ? TlsContexts.of(config.tls().client(), config.tls(), dir.fixtures("client"), config.listenClientUrls())
                : Optional.empty();
        Optional<PeerTls> peerTls = secure(listenPeer)
                ? TlsContexts.of(config.tls().peer(), config.tls(), dir.fixtures("peer"), config.listenPeerUrls())
                        .map(TlsContexts.Side::peer)
                : Optional.empty();

        Bootstrap bootstrap = dir.bootstrap(() -> Bootstrap.fromConfig(config));
        List<PeerAddress> voters = bootstrap.joining() ? List.of()
                : bootstrap.members().stream().map(ClusterMembers::address).toList();
        ResponseHeaders headers = new ResponseHeaders(bootstrap.clusterId(), bootstrap.memberId());
        ClusterMembers members = new ClusterMembers(bootstrap.view());

        Lessor lessor = new Lessor(System::nanoTime);
        AuthStore auth = new AuthStore(io.tern.server.tls.TokenKeys.settings(config.auth()), config.auth().bcryptCost());
        Alarms alarms = new Alarms();
        DiskTimings disk = new DiskTimings();
        KvStateMachine sm = new KvStateMachine(storage, StorageConfig.of(dir.kv()),
                new StorageContext(config.name(), disk::backendCommit, failpoints), headers, lessor, config.electionTimeout(),
                members, auth, alarms);
        // The member's raft identity is its first peer URL: as recorded in the member records (a
        // MemberUpdate may have moved it), else as it first started.
        URI selfPeer = URI.create(members.view().byId(headers.memberId()).filter(m -> m.getPeerURLsCount() > 0)
                .map(m -> m.getPeerURLs(0)).orElse(bootstrap.peerUrls().get(0)));
        PeerAddress recordedSelf = new PeerAddress(selfPeer.getHost(), selfPeer.getPort());
        Duration requestTimeout = Duration.ofSeconds(5).plus(config.electionTimeout().multipliedBy(2));
        PeerCallHandler calls = new PeerCallHandler(headers, config.name(), members);
        // Initial voters matter only to a group's very first start; a member that moved since (MemberUpdate)
        // names itself among them at its current address.
        URI firstPeer = URI.create(bootstrap.peerUrls().get(0));
        PeerAddress firstSelf = new PeerAddress(firstPeer.getHost(), firstPeer.getPort());
        java.util.function.Function<PeerAddress, ConsensusEngine> engine = self -> raft.create(new ConsensusConfig(
                config.name(), self, new PeerAddress(listenPeer.getHost(), listenPeer.getPort()), dir.raft(),
                voters.stream().map(v -> v.equals(firstSelf) ? self : v).toList(),
                config.heartbeat(), config.electionTimeout(), config.snapshotCount(), requestTimeout, peerTls,
                disk::walFsync), sm, calls);
        ConsensusEngine consensus = engine.apply(recordedSelf);
        // A member that joined later checks too once it knows its id: a restart on its data directory.
        if (!bootstrap.joining() || bootstrap.memberId() != 0) {
            try {
                // Peers may know this member at another address than its own records say: it was moved
                // (MemberUpdate) while down. jraft knows members by address, so it must start as that one.
                Optional<PeerAddress> moved = checkPeers(consensus, bootstrap, members.view(), recordedSelf, headers);
                if (moved.isPresent()) {
                    LOG.log(System.Logger.Level.INFO, "member {0} was moved from {1} to {2} while it was down; "
                            + "joining there", config.name(), recordedSelf, moved.get());
                    consensus.close();
                    consensus = engine.apply(moved.get());
                }
            } catch (RuntimeException e) {
                try {
                    consensus.close();
                } finally {
                    sm.close();
                }
                throw e;
            }
        }
        WatchHub watches = new WatchHub(sm::store, headers, consensus::term,
                WatchConfig.defaults(config.maxRequestBytes()).withProgressInterval(config.watchProgressInterval()));
        sm.listen(watches);
        Proposer proposer = new Proposer(consensus, config.maxRequestBytes());
        PeerClient peers = new PeerClient(consensus);
        Quota quota = new Quota(config.quotaBackendBytes(), () -> sm.store().stats().totalBytes(),
                alarm -> proposer.propose(RaftRequest.newBuilder().setAlarm(alarm).build(), AlarmResponse.class)
                        .whenComplete((r, t) -> {
                            if (t != null) {
                                LOG.log(System.Logger.Level.WARNING, "could not raise the NOSPACE alarm: " + t);
                            }
                        }),
                headers::memberId, alarms);
        LeaseService leases = new LeaseService(proposer, lessor, sm::store, headers,
                new IdGenerator(headers::memberId, System.currentTimeMillis()),
                LeaseLimits.forElectionTimeout(config.electionTimeout()), peers, quota);
        KvService kv = new KvService(proposer, sm::store, headers,
                new KvLimits(config.maxRequestBytes(), config.maxTxnOps()), quota);
        ConsensusEngine raftForCompactor = consensus;
        AutoCompactor compactor = new AutoCompactor(config.autoCompaction(), () -> raftForCompactor.status().isLeader(),
                () -> sm.store().currentRevision(), rev -> compactTo(kv, rev, requestTimeout));
        ClusterService cluster = new ClusterService(proposer, members, peers, headers, sm::store,
                config.initialClusterToken(), config.maxLearners(), () -> System.currentTimeMillis() / 1000);
        calls.bind(leases, cluster, sm::appliedIndex, id -> sm.store().memberRemoved(id));
        Services services = new Services(
                kv, new MaintenanceService(proposer, sm::store, headers, members, alarms), cluster,
                watches, leases, new LeaseExpiry(leases, requestTimeout), new ConnectionTracker(),
                new MemberReconciler(consensus, members, proposer, peers, RECONCILE_INTERVAL, requestTimeout),
                new MemberPublisher(members, proposer, headers::memberId, config.name(),
                        config.advertiseClientUrls().stream().map(Bootstrap::urlString).toList(), PUBLISH_RETRY),
                () -> members.view().byId(headers.memberId()).map(Member::getIsLearner).orElse(false),
                new AuthService(proposer, auth, sm::store, headers, AUTH_FAILURE_DELAY),
                new AuthGuard(auth, id -> sm.store().leaseKeys(id)),
                new EtcdMetrics(consensus, proposer, sm::store, watches, disk, quota.limitBytes()), compactor);
        CompletableFuture<MemberIdentity.Stop> selfStop = new CompletableFuture<>();
        MemberIdentity identity = new MemberIdentity(dir, bootstrap, headers, selfStop::complete);
        members.listen(identity);
        identity.accept(members.view());
        TernServer server = new TernServer(config, sm, consensus, services, selfStop);
        try {
            consensus.start();
            services.reconciler().start();
            services.expiry().start();
            services.compactor().start();
            awaitIdentity(identity, bootstrap, config.electionTimeout());
            server.web = buildWeb(config, services, consensus, clientTls).start();
            if (!server.web.isRunning()) {
                throw new IllegalStateException("the web server did not start on " + config.listenClientUrls());
            }
            services.publisher().start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        // A member told to stop by the cluster (removed, or formed with other flags) stops after a grace
        // period, in which the leader takes it out of the raft configuration while it still answers.
        selfStop.thenRun(() -> Thread.ofPlatform().daemon().name("tern-self-stop").start(() -> {
            try {
                Thread.sleep(config.electionTimeout().multipliedBy(3).toMillis());
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            server.close();
        }));
        LOG.log(System.Logger.Level.INFO, "tern member {0} ({1}) of cluster {2} serving clients on {3}, peers on {4}",
                config.name(), Long.toHexString(headers.memberId()), Long.toHexString(headers.clusterId()),
                config.listenClientUrls(), listenPeer);
        return server;
    }

    /** One automatic compaction, waited for; "already compacted" counts as done (etcd). */
    private static void compactTo(KvService kv, long revision, Duration timeout) {
        try {
            kv.compact(CompactionRequest.newBuilder().setRevision(revision).build())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof io.tern.api.error.EtcdException ee && ee.error() == EtcdError.COMPACTED) {
                return;
            }
            throw new IllegalStateException("compaction to revision " + revision + " failed: " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("compaction to revision " + revision + " timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Asks the other members that already run who they are (the initial members and those in this
     * member's records), and refuses to start when one of them belongs to another cluster: their
     * --initial-cluster or --initial-cluster-token differ from this member's (etcd's "cluster ID
     * mismatch"). Members not running yet are skipped; they ask in turn. Returns the peer address the
     * first member of this cluster that answers has on record for this one, when that differs from
     * {@code self}.
     */
    private static Optional<PeerAddress> checkPeers(ConsensusEngine consensus, Bootstrap bootstrap,
                                                    ClusterMembers.View recorded, PeerAddress self,
                                                    ResponseHeaders headers) {
        byte[] ask = PeerRequest.newBuilder().setIdentity(IdentityRequest.newBuilder()
                .setMemberId(headers.memberId())).build().toByteArray();
        java.util.Set<PeerAddress> others = new java.util.LinkedHashSet<>();
        for (Member m : bootstrap.members()) {
            others.add(ClusterMembers.address(m));
        }
        for (Member m : recorded.members()) {
            if (m.getID() != headers.memberId() && m.getPeerURLsCount() > 0) {
                others.add(ClusterMembers.address(m));
            }
        }
        others.remove(self);
        Optional<PeerAddress> current = Optional.empty();
        for (PeerAddress a : others) {
            Identity peer;
            try {
                peer = PeerResponse.parseFrom(consensus.callMember(a, ask).get(PEER_CHECK_TIMEOUT.toMillis(),
                        TimeUnit.MILLISECONDS)).getIdentity();
            } catch (Exception notRunningYet) {
                continue;
            }
            if (peer.getClusterId() != 0 && peer.getClusterId() != headers.clusterId()) {
                throw new IllegalStateException("cluster ID mismatch: with its --initial-cluster and "
                        + "--initial-cluster-token this member forms cluster " + Long.toHexString(headers.clusterId())
                        + ", but member '" + peer.getName() + "' at " + a + " runs cluster "
                        + Long.toHexString(peer.getClusterId()) + "; start every member with the same flags");
            }
            if (peer.getAskerRemoved()) {
                // etcd stops such a member with the same words once a peer turns it away.
                throw new IllegalStateException("the member has been permanently removed from the cluster: member '"
                        + peer.getName() + "' at " + a + " records member " + Long.toHexString(headers.memberId())
                        + " as removed; to add this machine again, use a fresh --data-dir and MemberAdd");
            }
            if (current.isEmpty() && peer.getAskerPeerUrlsCount() > 0) {
                URI u = URI.create(peer.getAskerPeerUrls(0));
                current = Optional.of(new PeerAddress(u.getHost(), u.getPort()));
            }
        }
        return current.filter(a -> !a.equals(self));
    }

    /**
     * A member joining a running cluster serves no client before it knows who it is: that comes with the
     * member records the leader sends once it has added this member (etcdctl member add).
     */
    private static void awaitIdentity(MemberIdentity identity, Bootstrap bootstrap, Duration electionTimeout) {
        Duration wait = JOIN_TIMEOUT.plus(electionTimeout.multipliedBy(2));
        try {
            identity.identified().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not join the cluster within " + wait.toSeconds()
                    + "s: no member lists peer URLs " + bootstrap.peerUrls()
                    + "; add this member first (etcdctl member add " + bootstrap.self() + " --peer-urls="
                    + String.join(",", bootstrap.peerUrls()) + ") and check --initial-cluster");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining the cluster", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("joining the cluster failed", e.getCause());
        }
    }

    private static boolean secure(URI url) {
        return "https".equals(url.getScheme());
    }

    private static WebServer buildWeb(ServerConfig config, Services services, ConsensusEngine consensus,
                                      Optional<TlsContexts.Side> tls) {
        WebServerConfig.Builder builder = WebServer.builder();
        List<URI> urls = config.listenClientUrls();
        for (int i = 0; i < urls.size(); i++) {
            URI u = urls.get(i);
            if (i == 0) {
                configure(builder, u, config, services, consensus, tls);
            } else {
                ListenerConfig.Builder listener = ListenerConfig.builder();
                configure(listener, u, config, services, consensus, tls);
                builder.putSocket("client-" + i, listener.build());
            }
        }
        List<URI> metricsUrls = config.listenMetricsUrls();
        for (int i = 0; i < metricsUrls.size(); i++) {
            URI u = metricsUrls.get(i);
            builder.putSocket("metrics-" + i, ListenerConfig.builder().host(u.getHost()).port(u.getPort())
                    .routing(HttpRouting.builder().register(health(services, consensus))
                            .register(new MetricsRoutes(services.metrics())))
                    .build());
        }
        return builder.build();
    }

    private static HealthRoutes health(Services services, ConsensusEngine consensus) {
        return new HealthRoutes(consensus, () -> services.kv().range(
                RangeRequest.newBuilder().setKey(HEALTH_KEY).setSerializable(true).build()).join().getHeader().getRevision());
    }

    private static void configure(ListenerConfig.BuilderBase<?, ?> listener, URI url, ServerConfig config,
                                  Services services, ConsensusEngine consensus, Optional<TlsContexts.Side> tls) {
        GatewayPaths.Endpoints endpoints = new GatewayPaths.Endpoints(new KvEndpoint(services.kv()),
                new LeaseEndpoint(services.leases()), new ClusterEndpoint(services.cluster()),
                new MaintenanceEndpoint(services.maintenance(), services.connections()), new AuthEndpoint(services.auth()),
                new LockEndpoint(new LockService(services.kv(), services.leases(), services.watches()), services.connections()),
                new ElectionEndpoint(new ElectionService(services.kv(), services.leases(), services.watches()),
                        services.connections()));
        // Requests reach Helidon's routing as bytes; the decoder checks and decodes them, then the
        // interceptors that look at requests see them decoded.
        RequestDecoder decoder = new RequestDecoder(config.maxRequestBytes() + GRPC_OVERHEAD_BYTES);
        List<ServerInterceptor> interceptors = List.of(
                new LearnerGuard(services.learner()),
                new AuthInterceptor(services.guard(), secure(url) && config.tls().client().clientCertAuth()),
                services.connections().contextKeeper(),
                StreamReaper.interceptor());
        GrpcRouting.Builder grpc = GrpcRouting.builder().intercept(services.metrics().grpc());
        for (BindableService service : List.of(endpoints.kv(), endpoints.maintenance(), endpoints.cluster(),
                new WatchEndpoint(services.watches(), services.connections()), endpoints.lease(), endpoints.lock(),
                endpoints.election(), endpoints.auth())) {
            grpc.service(decoder.wrap(service, interceptors));
        }
        // The gateway's requests get the same learner and auth checks; etcd's gateway never passes a
        // client certificate's CN on as the user.
        Gateway gateway = GatewayPaths.bind(new Gateway(token -> {
            java.util.function.Function<Object, io.grpc.Status> auth = AuthInterceptor.refusals(services.guard(), token, null);
            return m -> services.learner().getAsBoolean() && !LearnerGuard.allowed(m)
                    ? ErrorMapper.status(EtcdError.NOT_SUPPORTED_FOR_LEARNER) : auth.apply(m);
        }, config.maxRequestBytes(), new GatewayStreams(services.watches(), services.leases(), services.maintenance()),
                services.connections()), endpoints);
        // Helidon 4.4 forgets a connection's finished streams only when their count reaches
        // maxConcurrentStreams: the limit must be finite or every stream ever opened stays in memory.
        // A client that stops reading blocks only its own sends; its watchers fall back to catching up.
        // Helidon's 15 s default would instead fail the stream, where etcd keeps waiting.
        //
        // Helidon's connection-level inbound window, when at least four frames fit in it, sends its
        // WINDOW_UPDATEs in halves through a counter that concurrent streams race on: a race can send an
        // update of 0 (a protocol error that ends the connection, seen with hundreds of large puts on one
        // connection) or lose an increment, shrinking the window for good. With frames allowed up to a
        // quarter of the window plus one byte, Helidon picks its stateless strategy (one update per frame).
        Http2Config http2 = Http2Config.builder()
                .maxFrameSize(HTTP2_WINDOW_BYTES / 4 + 1)
                .initialWindowSize(HTTP2_WINDOW_BYTES)
                .maxRapidResets(Integer.MAX_VALUE)
                .maxConcurrentStreams(MAX_STREAMS_PER_CONNECTION)
                .flowControlTimeout(Duration.ofMinutes(5))
                .build();
        GrpcConfig grpcConfig = GrpcConfig.builder()
                .maxReadBufferSize(Math.max(GRPC_READ_BUFFER_BYTES, 2 * (config.maxRequestBytes() + GRPC_OVERHEAD_BYTES)))
                .build();
        if (secure(url)) {
            listener.tls(tls.orElseThrow().helidon());
        }
        listener.host(url.getHost())
                .port(url.getPort())
                .connectionOptions(o -> o.tcpNoDelay(true))
                // Ours first: HTTP/2 with connection-end tracking; Helidon's own stays for HTTP/1 upgrades.
                .addConnectionSelector(services.connections().http2Selector(http2, grpcConfig))
                .addProtocol(http2)
                .addProtocol(grpcConfig)
                .addRouting(grpc)
                .routing(HttpRouting.builder().register(health(services, consensus)).register(gateway)
                        .register(new MetricsRoutes(services.metrics())));
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

    /**
     * Completes when the member stopped by itself: it was removed from the cluster, or found that it
     * was formed with other flags than its peers. The reason is then logged and the member is closed.
     */
    public CompletableFuture<String> selfStopped() {
        return selfStop.thenApply(MemberIdentity.Stop::reason);
    }

    /** True when the member stopped by itself because it is misconfigured (see {@link #selfStopped}). */
    public boolean stoppedOnFailure() {
        return selfStop.isDone() && selfStop.join().failure();
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
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            WebServer w = web;
            if (w != null) {
                w.stop();
            }
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
