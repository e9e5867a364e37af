package io.tern.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.tern.api.proto.etcdserverpb.AuthGrpc;
import io.tern.api.proto.etcdserverpb.AuthRoleListRequest;
import io.tern.api.proto.etcdserverpb.AuthStatusRequest;
import io.tern.api.proto.etcdserverpb.AuthUserAddRequest;
import io.tern.api.proto.etcdserverpb.AuthUserListRequest;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;
import io.tern.api.proto.etcdserverpb.ClusterGrpc;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseLeasesRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;
import io.tern.api.proto.etcdserverpb.MemberAddRequest;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.MemberPromoteRequest;
import io.tern.api.proto.etcdserverpb.MemberRemoveRequest;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.server.config.AuthToken;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * etcd's auth over every RPC, on each engine, through plain gRPC stubs so that the token is exactly
 * what the case says: each RPC × each caller (no token, an invalid token, a user without roles, a user
 * who may only read another prefix, root) is answered or refused with etcd's exact error. What each
 * caller gets follows from the RPC's kind: a key read or write on {@code w/}, an admin call, a call
 * open to anyone with a valid token or none (etcd checks no rights there), or one open to everyone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthMatrixTest {
    private static final String EMPTY = "etcdserver: user name is empty";
    private static final String INVALID = "UNAUTHENTICATED: etcdserver: invalid auth token";
    private static final String DENIED = "PERMISSION_DENIED: etcdserver: permission denied";
    private static final List<String> CALLERS = List.of("none", "invalid", "carol", "alice", "root");

    /** What each caller kind gets from a kind of RPC (null: answered). */
    enum Kind {
        KEYS(EMPTY, INVALID, DENIED, DENIED, null),
        ADMIN(EMPTY, INVALID, DENIED, DENIED, null),
        /** etcd looks at the token (through raft) but checks no rights. */
        TOKEN(null, INVALID, null, null, null),
        /** etcd checks nothing, not even the token. */
        OPEN(null, null, null, null, null);

        final List<String> byCaller;

        Kind(String none, String invalid, String carol, String alice, String root) {
            this.byCaller = java.util.Arrays.asList(none, invalid, carol, alice, root);
        }
    }

    /** One RPC: its kind, the call, and what root gets when that is not a plain answer. */
    record Rpc(String name, Kind kind, Function<Stubs, Object> call, String rootGets) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Stubs that send one caller's token (or none). */
    record Stubs(ManagedChannel channel, String token, Function<String, Long> leaseWithKey) {
        <S extends AbstractStub<S>> S with(S stub) {
            S s = stub.withDeadlineAfter(20, TimeUnit.SECONDS);
            if (token == null) {
                return s;
            }
            Metadata md = new Metadata();
            md.put(Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER), token);
            return s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
        }

        KVGrpc.KVBlockingStub kv() {
            return with(KVGrpc.newBlockingStub(channel));
        }

        LeaseGrpc.LeaseBlockingStub lease() {
            return with(LeaseGrpc.newBlockingStub(channel));
        }

        ClusterGrpc.ClusterBlockingStub cluster() {
            return with(ClusterGrpc.newBlockingStub(channel));
        }

        MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
            return with(MaintenanceGrpc.newBlockingStub(channel));
        }

        AuthGrpc.AuthBlockingStub auth() {
            return with(AuthGrpc.newBlockingStub(channel));
        }
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static List<Rpc> rpcs() {
        return List.of(
                new Rpc("Range", Kind.KEYS, s -> s.kv().range(RangeRequest.newBuilder().setKey(b("w/a")).build()), null),
                new Rpc("Range over a prefix", Kind.KEYS, s -> s.kv().range(RangeRequest.newBuilder().setKey(b("w/"))
                        .setRangeEnd(b("w0")).build()), null),
                new Rpc("Put", Kind.KEYS, s -> s.kv().put(PutRequest.newBuilder().setKey(b("w/a")).setValue(b("1")).build()), null),
                new Rpc("DeleteRange", Kind.KEYS, s -> s.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(b("w/z")).build()), null),
                new Rpc("Txn", Kind.KEYS, s -> s.kv().txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                        .setRequestPut(PutRequest.newBuilder().setKey(b("w/t")).setValue(b("1")))).build()), null),
                new Rpc("LeaseTimeToLive with keys (read on them)", Kind.KEYS, s -> s.lease().leaseTimeToLive(
                        LeaseTimeToLiveRequest.newBuilder().setID(s.leaseWithKey().apply("w/ttl")).setKeys(true).build()), null),
                new Rpc("LeaseRevoke (write on its keys)", Kind.KEYS, s -> s.lease().leaseRevoke(LeaseRevokeRequest.newBuilder()
                        .setID(s.leaseWithKey().apply("w/leased")).build()), null),
                new Rpc("Compact", Kind.ADMIN, s -> s.kv().compact(CompactionRequest.newBuilder().setRevision(1).build()), null),
                new Rpc("MemberAdd", Kind.ADMIN, s -> s.cluster().memberAdd(MemberAddRequest.newBuilder()
                        .addPeerURLs("http://").build()), "INVALID_ARGUMENT"),
                new Rpc("MemberRemove", Kind.ADMIN, s -> s.cluster().memberRemove(MemberRemoveRequest.newBuilder()
                        .setID(12345).build()), "etcdserver: member not found"),
                new Rpc("MemberUpdate", Kind.ADMIN, s -> s.cluster().memberUpdate(MemberUpdateRequest.newBuilder()
                        .setID(12345).addPeerURLs("http://127.0.0.1:1").build()), "etcdserver: member not found"),
                new Rpc("MemberPromote", Kind.ADMIN, s -> s.cluster().memberPromote(MemberPromoteRequest.newBuilder()
                        .setID(12345).build()), "etcdserver: member not found"),
                new Rpc("MoveLeader", Kind.ADMIN, s -> s.maintenance().moveLeader(MoveLeaderRequest.newBuilder()
                        .setTargetID(12345).build()), "etcdserver: bad leader transferee"),
                new Rpc("UserList", Kind.ADMIN, s -> s.auth().userList(AuthUserListRequest.getDefaultInstance()), null),
                new Rpc("RoleList", Kind.ADMIN, s -> s.auth().roleList(AuthRoleListRequest.getDefaultInstance()), null),
                new Rpc("UserAdd", Kind.ADMIN, s -> s.auth().userAdd(AuthUserAddRequest.newBuilder()
                        .setName("u" + System.nanoTime()).setPassword("p").build()), null),
                new Rpc("LeaseGrant", Kind.TOKEN, s -> s.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()), null),
                new Rpc("Status", Kind.OPEN, s -> s.maintenance().status(StatusRequest.getDefaultInstance()), null),
                new Rpc("MemberList", Kind.OPEN, s -> s.cluster().memberList(MemberListRequest.getDefaultInstance()), null),
                new Rpc("LeaseTimeToLive", Kind.OPEN, s -> s.lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder()
                        .setID(1).build()), null),
                new Rpc("LeaseLeases", Kind.OPEN, s -> s.lease().leaseLeases(LeaseLeasesRequest.getDefaultInstance()), null),
                new Rpc("AuthStatus", Kind.OPEN, s -> s.auth().authStatus(AuthStatusRequest.getDefaultInstance()), null),
                new Rpc("Authenticate", Kind.OPEN, s -> s.auth().authenticate(AuthenticateRequest.newBuilder()
                        .setName("carol").setPassword("carolpw").build()), null));
    }

    Stream<Arguments> matrix() {
        return TernHarness.engines().flatMap(e -> rpcs().stream().flatMap(r -> CALLERS.stream().map(c -> Arguments.of(e, r, c))));
    }

    private final Map<String, TernServer> servers = new HashMap<>();
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private final Map<String, String> tokens = new HashMap<>();

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        for (String engine : TernHarness.ENGINES) {
            TernServer server = TernServer.start(ServerConfig.singleNode("default", dir.resolve(engine), 0,
                    TernHarness.freePort(), engine).withAuth(new ServerConfig.Auth(Duration.ofMinutes(5), 4, AuthToken.SIMPLE)));
            servers.put(engine, server);
            try (Client admin = TernHarness.client(server)) {
                var auth = admin.getAuthClient();
                auth.userAdd(bs("root"), bs("rootpw")).get();
                auth.userGrantRole(bs("root"), bs("root")).get();
                auth.roleAdd(bs("reader")).get();
                auth.roleGrantPermission(bs("reader"), bs("r/"), bs("r0"), Permission.Type.READ).get();
                auth.userAdd(bs("alice"), bs("alicepw")).get();
                auth.userGrantRole(bs("alice"), bs("reader")).get();
                auth.userAdd(bs("carol"), bs("carolpw")).get();
                auth.authEnable().get();
            }
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.clientPort(0)).usePlaintext().build();
            channels.put(engine, channel);
            for (String user : List.of("root", "alice", "carol")) {
                tokens.put(engine + "/" + user, AuthGrpc.newBlockingStub(channel).authenticate(AuthenticateRequest.newBuilder()
                        .setName(user).setPassword(user + "pw").build()).getToken());
            }
        }
    }

    @AfterAll
    void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        servers.values().forEach(TernServer::close);
    }

    @ParameterizedTest(name = "{0}: {1} by {2}")
    @MethodSource("matrix")
    void eachRpcAnswersEachCallerAsEtcdDoes(String engine, Rpc rpc, String caller) {
        ManagedChannel channel = channels.get(engine);
        String token = switch (caller) {
            case "none" -> null;
            case "invalid" -> "bogus.1";
            default -> tokens.get(engine + "/" + caller);
        };
        Stubs root = new Stubs(channel, tokens.get(engine + "/root"), k -> 0L);
        Function<String, Long> leaseWithKey = key -> {
            long id = root.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID();
            root.kv().put(PutRequest.newBuilder().setKey(b(key)).setValue(b("v")).setLease(id).build());
            return id;
        };
        Throwable t = catchThrowable(() -> rpc.call().apply(new Stubs(channel, token, leaseWithKey)));
        String expected = "root".equals(caller) && rpc.rootGets() != null ? rpc.rootGets()
                : rpc.kind().byCaller.get(CALLERS.indexOf(caller));
        if (expected == null) {
            assertThat(t).as("%s by %s", rpc.name(), caller).isNull();
        } else {
            assertThat(t).as("%s by %s", rpc.name(), caller).isNotNull().hasMessageContaining(expected);
        }
    }
}
