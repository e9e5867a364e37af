package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * etcd's RBAC through jetcd, on each engine: users and roles set up, auth enabled, then every case is a
 * caller (no credentials, a wrong password, users with read-only, read-write or no rights, root) making
 * one call, answered or refused with etcd's exact error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTest {
    private static final String DENIED = "etcdserver: permission denied";
    private final Map<String, TernServer> servers = new HashMap<>();
    private final Map<String, Client> clients = new HashMap<>();

    /** One call by {@code user} (null: no credentials; "alice:wrong": a wrong password); {@code error} null = allowed. */
    record Case(String name, String user, Function<Client, CompletableFuture<?>> call, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("no credentials: get", null, c -> c.getKVClient().get(bs("r/a")), "etcdserver: user name is empty"),
                new Case("wrong password", "alice:wrong", c -> c.getKVClient().get(bs("r/a")),
                        "etcdserver: authentication failed, invalid user ID or password"),
                new Case("reader gets its prefix", "alice", c -> c.getKVClient().get(bs("r/a")), null),
                new Case("reader ranges its prefix", "alice",
                        c -> c.getKVClient().get(bs("r/"), GetOption.builder().isPrefix(true).build()), null),
                new Case("reader ranges past its prefix", "alice",
                        c -> c.getKVClient().get(bs("r/"), GetOption.builder().withRange(bs("s/z")).build()), DENIED),
                new Case("reader puts", "alice", c -> c.getKVClient().put(bs("r/a"), bs("x")), DENIED),
                new Case("reader gets elsewhere", "alice", c -> c.getKVClient().get(bs("w/a")), DENIED),
                new Case("reader compacts", "alice", c -> c.getKVClient().compact(1), DENIED),
                new Case("reader lists users", "alice", c -> c.getAuthClient().userList(), DENIED),
                new Case("reader gets itself", "alice", c -> c.getAuthClient().userGet(bs("alice")), null),
                new Case("reader gets its role", "alice", c -> c.getAuthClient().roleGet(bs("reader")), null),
                new Case("reader gets another role", "alice", c -> c.getAuthClient().roleGet(bs("writer")), DENIED),
                new Case("reader txn compares and reads its prefix", "alice", c -> c.getKVClient().txn()
                        .If(new Cmp(bs("r/a"), Cmp.Op.EQUAL, CmpTarget.version(1)))
                        .Then(Op.get(bs("r/a"), GetOption.DEFAULT)).commit(), null),
                new Case("reader txn writes in the else branch", "alice", c -> c.getKVClient().txn()
                        .If(new Cmp(bs("r/a"), Cmp.Op.EQUAL, CmpTarget.version(1)))
                        .Else(Op.put(bs("r/a"), bs("y"), PutOption.DEFAULT)).commit(), DENIED),
                new Case("writer puts its prefix", "bob", c -> c.getKVClient().put(bs("w/a"), bs("1")), null),
                new Case("writer deletes its prefix", "bob", c -> c.getKVClient().delete(bs("w/"),
                        DeleteOption.builder().isPrefix(true).build()), null),
                new Case("writer puts with prev_kv elsewhere", "bob", c -> c.getKVClient().put(bs("r/b"), bs("1"),
                        PutOption.builder().withPrevKV().build()), DENIED),
                new Case("writer txn compares outside", "bob", c -> c.getKVClient().txn()
                        .If(new Cmp(bs("r/a"), Cmp.Op.EQUAL, CmpTarget.version(1)))
                        .Then(Op.put(bs("w/b"), bs("1"), PutOption.DEFAULT)).commit(), DENIED),
                new Case("user without roles", "carol", c -> c.getKVClient().get(bs("r/a")), DENIED),
                new Case("root reads all", "root", c -> c.getKVClient().get(bs("\0"),
                        GetOption.builder().withRange(bs("\0")).build()), null),
                new Case("root adds a role", "root", c -> c.getAuthClient().roleAdd(bs("extra-" + System.nanoTime())), null),
                new Case("root compacts", "root", c -> c.getKVClient().compact(1), null),
                new Case("reader may not disable auth", "alice", c -> c.getAuthClient().authDisable(), DENIED));
    }

    Stream<Arguments> matrix() {
        return TernHarness.ENGINES.stream().flatMap(e -> cases().stream().map(c -> Arguments.of(e, c)));
    }

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        for (String engine : TernHarness.ENGINES) {
            TernServer server = TernServer.start(ServerConfig.singleNode("default", dir.resolve(engine), 0,
                    TernHarness.freePort(), engine).withAuth(new ServerConfig.Auth(Duration.ofMinutes(5), 4, io.tern.server.config.AuthToken.SIMPLE)));
            servers.put(engine, server);
            try (Client admin = TernHarness.client(server)) {
                var auth = admin.getAuthClient();
                auth.userAdd(bs("root"), bs("rootpw")).get();
                auth.userGrantRole(bs("root"), bs("root")).get();
                auth.roleAdd(bs("reader")).get();
                auth.roleGrantPermission(bs("reader"), bs("r/"), bs("r0"), Permission.Type.READ).get();
                auth.roleAdd(bs("writer")).get();
                auth.roleGrantPermission(bs("writer"), bs("w/"), bs("w0"), Permission.Type.READWRITE).get();
                for (String[] u : new String[][] {{"alice", "reader"}, {"bob", "writer"}, {"carol", null}}) {
                    auth.userAdd(bs(u[0]), bs(u[0] + "pw")).get();
                    if (u[1] != null) {
                        auth.userGrantRole(bs(u[0]), bs(u[1])).get();
                    }
                }
                admin.getKVClient().put(bs("r/a"), bs("1")).get();
                auth.authEnable().get();
            }
        }
    }

    @AfterAll
    void stop() {
        clients.values().forEach(Client::close);
        servers.values().forEach(TernServer::close);
    }

    private Client client(String engine, String user) {
        return clients.computeIfAbsent(engine + "/" + user, k -> {
            var b = Client.builder().endpoints("http://127.0.0.1:" + servers.get(engine).clientPort(0));
            if (user != null) {
                String[] parts = user.split(":");
                b.user(bs(parts[0])).password(bs(parts.length > 1 ? parts[1] : parts[0] + "pw"));
            }
            return b.build();
        });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("matrix")
    void eachCallerGetsWhatEtcdGives(String engine, Case c) {
        Throwable t = catchThrowable(() -> c.call().apply(client(engine, c.user())).get(20, TimeUnit.SECONDS));
        if (c.error() == null) {
            assertThat(t).as(c.name()).isNull();
        } else {
            assertThat(t).as(c.name()).isNotNull().hasStackTraceContaining(c.error());
        }
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void aRevokedRoleStopsAnExistingTokenAtOnce(String engine) throws Exception {
        Client root = client(engine, "root");
        root.getAuthClient().userAdd(bs("dave"), bs("davepw")).get();
        root.getAuthClient().userGrantRole(bs("dave"), bs("reader")).get();
        Client dave = client(engine, "dave");
        assertThat(dave.getKVClient().get(bs("r/a")).get().getCount()).isEqualTo(1);
        root.getAuthClient().userRevokeRole(bs("dave"), bs("reader")).get();
        assertThat(catchThrowable(() -> dave.getKVClient().get(bs("r/a")).get()))
                .hasStackTraceContaining(DENIED);
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void authManagementErrorsAreEtcds(String engine) {
        var auth = client(engine, "root").getAuthClient();
        assertThat(catchThrowable(() -> auth.userAdd(bs("alice"), bs("x")).get()))
                .hasStackTraceContaining("etcdserver: user name already exists");
        assertThat(catchThrowable(() -> auth.userDelete(bs("root")).get()))
                .hasStackTraceContaining("etcdserver: invalid auth management");
        assertThat(catchThrowable(() -> auth.userGrantRole(bs("alice"), bs("nope")).get()))
                .hasStackTraceContaining("etcdserver: role name not found");
        assertThat(catchThrowable(() -> auth.roleRevokePermission(bs("reader"), bs("zz"), bs("")).get()))
                .hasStackTraceContaining("etcdserver: permission is not granted to the role");
        assertThat(catchThrowable(() -> auth.userRevokeRole(bs("carol"), bs("reader")).get()))
                .hasStackTraceContaining("etcdserver: role is not granted to the user");
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void anUnknownTokenIsRefusedButMayStillAuthenticate(String engine) throws Exception {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder
                .forAddress("127.0.0.1", servers.get(engine).clientPort(0)).usePlaintext().build();
        try {
            io.grpc.Metadata md = new io.grpc.Metadata();
            md.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "bogus.1");
            var kv = io.tern.api.proto.etcdserverpb.KVGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
            assertThat(catchThrowable(() -> kv.range(io.tern.api.proto.etcdserverpb.RangeRequest.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFromUtf8("r/a")).build())))
                    .hasMessageContaining("UNAUTHENTICATED: etcdserver: invalid auth token");
            var auth = io.tern.api.proto.etcdserverpb.AuthGrpc.newBlockingStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
            assertThat(auth.authenticate(io.tern.api.proto.etcdserverpb.AuthenticateRequest.newBuilder()
                    .setName("alice").setPassword("alicepw").build()).getToken()).isNotEmpty();
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * etcd's answer to a watch the caller may not make: a created-and-canceled response for watch id -1
     * with the gRPC error as the reason, on a stream that goes on serving permitted watches.
     */
    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void aRefusedWatchIsCanceledAndTheStreamGoesOn(String engine) throws Exception {
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder
                .forAddress("127.0.0.1", servers.get(engine).clientPort(0)).usePlaintext().build();
        try {
            String token = io.tern.api.proto.etcdserverpb.AuthGrpc.newBlockingStub(channel).authenticate(
                    io.tern.api.proto.etcdserverpb.AuthenticateRequest.newBuilder().setName("alice").setPassword("alicepw")
                            .build()).getToken();
            io.grpc.Metadata md = new io.grpc.Metadata();
            md.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), token);
            var got = new java.util.concurrent.LinkedBlockingQueue<Object>();
            var requests = io.tern.api.proto.etcdserverpb.WatchGrpc.newStub(channel)
                    .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md))
                    .watch(new io.grpc.stub.StreamObserver<>() {
                        public void onNext(io.tern.api.proto.etcdserverpb.WatchResponse r) {
                            got.add(r);
                        }

                        public void onError(Throwable t) {
                            got.add(t);
                        }

                        public void onCompleted() {
                            got.add("completed");
                        }
                    });
            java.util.function.Function<String, io.tern.api.proto.etcdserverpb.WatchRequest> create = k ->
                    io.tern.api.proto.etcdserverpb.WatchRequest.newBuilder().setCreateRequest(
                            io.tern.api.proto.etcdserverpb.WatchCreateRequest.newBuilder()
                                    .setKey(com.google.protobuf.ByteString.copyFromUtf8(k))).build();
            requests.onNext(create.apply("w/a"));
            Object refused = got.poll(10, TimeUnit.SECONDS);
            assertThat(refused).isInstanceOf(io.tern.api.proto.etcdserverpb.WatchResponse.class);
            var r = (io.tern.api.proto.etcdserverpb.WatchResponse) refused;
            assertThat(List.of(r.getCreated(), r.getCanceled(), r.getWatchId(), r.getCancelReason()))
                    .containsExactly(true, true, -1L, "rpc error: code = PermissionDenied desc = etcdserver: permission denied");
            assertThat(r.getHeader().getRevision()).isPositive();
            requests.onNext(create.apply("r/a"));
            var ok = (io.tern.api.proto.etcdserverpb.WatchResponse) got.poll(10, TimeUnit.SECONDS);
            assertThat(List.of(ok.getCreated(), ok.getCanceled())).containsExactly(true, false);
            requests.onCompleted();
        } finally {
            channel.shutdownNow();
        }
    }
}
