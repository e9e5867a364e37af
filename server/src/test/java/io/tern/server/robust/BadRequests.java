package io.tern.server.robust;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.Status.Code;
import io.tern.api.proto.authpb.Permission;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AuthGrpc;
import io.tern.api.proto.etcdserverpb.AuthRoleAddRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleGetRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.tern.api.proto.etcdserverpb.AuthUserAddRequest;
import io.tern.api.proto.etcdserverpb.AuthUserDeleteRequest;
import io.tern.api.proto.etcdserverpb.AuthUserGetRequest;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;
import io.tern.api.proto.etcdserverpb.ClusterGrpc;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.etcdserverpb.LeaseKeepAliveRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;
import io.tern.api.proto.etcdserverpb.MemberAddRequest;
import io.tern.api.proto.etcdserverpb.MemberRemoveRequest;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.v3electionpb.CampaignRequest;
import io.tern.api.proto.v3electionpb.ElectionGrpc;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.tern.api.proto.v3lockpb.LockGrpc;
import io.tern.api.proto.v3lockpb.LockRequest;
import io.tern.server.robust.BadRequest.Expect;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static io.tern.server.robust.BadRequest.Expect.OK;
import static io.tern.server.robust.BadRequest.Expect.error;

/**
 * A seeded generator of malformed and boundary requests over every RPC etcd serves, each with etcd 3.4's
 * answer (read off etcd's source: {@code api/v3rpc/rpctypes/error.go}, {@code etcdserver/errors.go},
 * {@code mvcc}, {@code lease}, and grpc-go's {@code server.go}/{@code rpc_util.go} for the bytes it
 * cannot decode; checked against a running etcd 3.4.23 with {@code -Dtern.badinput.etcd}).
 *
 * <p>Its state: the member holds revisions up to at least {@code compacted}, compacted at
 * {@code compacted}, one lease nobody uses and no auth. No request it makes changes that: puts and
 * deletes go under {@code bad/}, grants ask for leases that are never used, nothing is compacted.
 */
final class BadRequests {
    /** etcd's default {@code --max-request-bytes}. */
    static final int MAX_REQUEST = 3 * 512 * 1024;
    /** grpc-go's receive limit in etcd: the request limit plus 512 KiB. */
    static final int MAX_MESSAGE = MAX_REQUEST + 512 * 1024;
    /** etcd's {@code MaxLeaseTTL}. */
    static final long MAX_LEASE_TTL = 9_000_000_000L;

    static final Expect EMPTY_KEY = error(Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
    static final Expect TOO_LARGE = error(Code.INVALID_ARGUMENT, "etcdserver: request is too large");
    static final Expect FUTURE_REV = error(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
    static final Expect COMPACTED = error(Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    static final Expect LEASE_NOT_FOUND = error(Code.NOT_FOUND, "etcdserver: requested lease not found");
    static final Expect MEMBER_NOT_FOUND = error(Code.NOT_FOUND, "etcdserver: member not found");

    private final Random random;
    private final long compacted;
    private final long current;

    /**
     * @param compacted the revision the member was compacted at
     * @param current   the member's revision when the run starts; the run adds at most a million
     */
    BadRequests(long seed, long compacted, long current) {
        this.random = new Random(seed);
        this.compacted = compacted;
        this.current = current;
    }

    /** The next request: a family chosen at random, then a case of it. */
    BadRequest next() {
        return switch (random.nextInt(12)) {
            case 0, 1, 2 -> undecodable();
            case 3 -> range();
            case 4 -> put();
            case 5 -> txn();
            case 6 -> deleteOrCompact();
            case 7 -> lease();
            case 8 -> cluster();
            case 9 -> maintenance();
            case 10 -> auth();
            default -> lockOrElection();
        };
    }

    /** Every method etcd serves. */
    static List<MethodDescriptor<?, ?>> methods() {
        List<MethodDescriptor<?, ?>> all = new ArrayList<>();
        for (var service : List.of(KVGrpc.getServiceDescriptor(), WatchGrpc.getServiceDescriptor(),
                LeaseGrpc.getServiceDescriptor(), ClusterGrpc.getServiceDescriptor(),
                MaintenanceGrpc.getServiceDescriptor(), AuthGrpc.getServiceDescriptor(),
                LockGrpc.getServiceDescriptor(), ElectionGrpc.getServiceDescriptor())) {
            all.addAll(service.getMethods());
        }
        return all;
    }

    /** One way to break a message's bytes: what to append after a valid request, and gogo's reason. */
    private record Breakage(String name, String hex, Function<String, String> reason) {
    }

    private static final List<Breakage> BREAKAGES = List.of(
            new Breakage("tag cut off", "80", m -> "unexpected EOF"),
            new Breakage("varint of eleven bytes", "ff".repeat(10) + "01", m -> "proto: integer overflow"),
            new Breakage("field 0", "00", m -> "proto: " + m + ": illegal tag 0 (wire type 0)"),
            new Breakage("end group", "0c", m -> "proto: " + m + ": wiretype end group for non-group"),
            new Breakage("wire type 7", "ff7f", m -> "proto: illegal wireType 7"),
            new Breakage("unknown field past the end", "fa7f05aa", m -> "unexpected EOF"),
            new Breakage("unknown field of negative length", "fa7f" + "ff".repeat(9) + "01",
                    m -> "proto: negative length found during unmarshaling"),
            new Breakage("open group", "fb7f", m -> "unexpected EOF"));

    /** A valid request (empty, or a key for KV calls) followed by broken bytes, sent to any method. */
    private BadRequest undecodable() {
        List<MethodDescriptor<?, ?>> methods = methods();
        MethodDescriptor<?, ?> method = methods.get(random.nextInt(methods.size()));
        Breakage b = BREAKAGES.get(random.nextInt(BREAKAGES.size()));
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                .getMessagePrototype();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (prototype instanceof RangeRequest || prototype instanceof PutRequest) {
            bytes.writeBytes(HexFormat.of().parseHex("0a03626164")); // key "bad"
        }
        bytes.writeBytes(HexFormat.of().parseHex(b.hex()));
        String prefix = method.getType() == MethodDescriptor.MethodType.UNARY
                ? "grpc: error unmarshalling request: " : "grpc: failed to unmarshal the received message ";
        // Auth.AuthStatus came with etcd 3.5: etcd 3.4 answers UNIMPLEMENTED.
        return new BadRequest(b.name(), method, bytes.toByteArray(), new Expect(Code.INTERNAL,
                prefix + b.reason().apply(prototype.getDescriptorForType().getName()),
                method == AuthGrpc.getAuthStatusMethod()));
    }

    private BadRequest range() {
        ByteString key = key();
        RangeRequest.Builder r = RangeRequest.newBuilder().setKey(key);
        return switch (random.nextInt(9)) {
            case 0 -> unary("empty key", KVGrpc.getRangeMethod(), r.setKey(ByteString.EMPTY), EMPTY_KEY);
            case 1 -> unary("range end before key", KVGrpc.getRangeMethod(), r.setRangeEnd(before(key)), OK);
            case 2 -> unary("negative limit", KVGrpc.getRangeMethod(), r.setLimit(-1 - random.nextInt(1 << 30)), OK);
            case 3 -> unary("huge limit", KVGrpc.getRangeMethod(), r.setLimit(Long.MAX_VALUE - random.nextInt(10)), OK);
            case 4 -> unary("negative revision", KVGrpc.getRangeMethod(), r.setRevision(-1 - random.nextInt(1000)), OK);
            case 5 -> unary("future revision", KVGrpc.getRangeMethod(), r.setRevision(future()), FUTURE_REV);
            case 6 -> unary("compacted revision", KVGrpc.getRangeMethod(), r.setRevision(compactedRevision()), COMPACTED);
            case 7 -> unary("unknown sort order", KVGrpc.getRangeMethod(),
                    r.setRangeEnd(ByteString.copyFrom(new byte[] {0})).setSortOrderValue(3 + random.nextInt(1000)), OK);
            default -> unary("negative min and max revisions", KVGrpc.getRangeMethod(),
                    r.setMinModRevision(-random.nextInt(100)).setMaxModRevision(-random.nextInt(100))
                            .setMinCreateRevision(-random.nextInt(100)).setMaxCreateRevision(-1), OK);
        };
    }

    private BadRequest put() {
        PutRequest.Builder p = PutRequest.newBuilder().setKey(key());
        return switch (random.nextInt(7)) {
            case 0 -> unary("empty key", KVGrpc.getPutMethod(), p.setKey(ByteString.EMPTY), EMPTY_KEY);
            case 1 -> unary("value over the request limit", KVGrpc.getPutMethod(),
                    p.setValue(bytes(MAX_REQUEST + random.nextInt(MAX_MESSAGE - MAX_REQUEST - 64))), TOO_LARGE);
            case 2 -> unary("key over the request limit", KVGrpc.getPutMethod(),
                    p.setKey(ByteString.copyFromUtf8("bad/").concat(bytes(MAX_REQUEST))), TOO_LARGE);
            case 3 -> {
                PutRequest big = p.setValue(bytes(MAX_MESSAGE + random.nextInt(1 << 20))).build();
                yield new BadRequest("message over gRPC's limit", KVGrpc.getPutMethod(), big.toByteArray(),
                        error(Code.RESOURCE_EXHAUSTED, "grpc: received message larger than max ("
                                + big.getSerializedSize() + " vs. " + MAX_MESSAGE + ")"));
            }
            case 4 -> unary("unknown lease", KVGrpc.getPutMethod(), p.setLease(unknownId()), LEASE_NOT_FOUND);
            case 5 -> unary("ignore_value with a value", KVGrpc.getPutMethod(),
                    p.setIgnoreValue(true).setValue(ByteString.copyFromUtf8("v")),
                    error(Code.INVALID_ARGUMENT, "etcdserver: value is provided"));
            default -> unary("ignore_lease with a lease", KVGrpc.getPutMethod(),
                    p.setIgnoreLease(true).setLease(unknownId()),
                    error(Code.INVALID_ARGUMENT, "etcdserver: lease is provided"));
        };
    }

    private BadRequest txn() {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        ByteString key = key();
        RequestOp put = RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)).build();
        return switch (random.nextInt(8)) {
            case 0 -> {
                int n = 129 + random.nextInt(100);
                for (int i = 0; i < n; i++) {
                    t.addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)));
                }
                yield unary(n + " ops", KVGrpc.getTxnMethod(), t,
                        error(Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"));
            }
            case 1 -> unary("compare without key", KVGrpc.getTxnMethod(), t.addCompare(Compare.newBuilder()), EMPTY_KEY);
            case 2 -> unary("empty op", KVGrpc.getTxnMethod(), t.addSuccess(RequestOp.getDefaultInstance()),
                    error(Code.INVALID_ARGUMENT, "etcdserver: key not found"));
            case 3 -> unary("one key put twice", KVGrpc.getTxnMethod(), t.addSuccess(put).addSuccess(put),
                    error(Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"));
            case 4 -> unary("unknown compare result", KVGrpc.getTxnMethod(), t.addCompare(Compare.newBuilder()
                    .setKey(key).setResultValue(4 + random.nextInt(1000)).setVersion(0)).addSuccess(put), OK);
            case 5 -> unary("unknown compare target", KVGrpc.getTxnMethod(), t.addCompare(Compare.newBuilder()
                    .setKey(key).setTargetValue(5 + random.nextInt(1000))).addSuccess(put), OK);
            case 6 -> unary("empty key in a nested txn", KVGrpc.getTxnMethod(), t.addSuccess(RequestOp.newBuilder()
                    .setRequestTxn(TxnRequest.newBuilder().addFailure(RequestOp.newBuilder()
                            .setRequestDeleteRange(DeleteRangeRequest.getDefaultInstance())))), EMPTY_KEY);
            default -> {
                int depth = 2 + random.nextInt(40);
                TxnRequest nested = TxnRequest.newBuilder().addSuccess(put).build();
                for (int i = 1; i < depth; i++) {
                    nested = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(nested)).build();
                }
                yield unary("txns nested " + depth + " deep", KVGrpc.getTxnMethod(), nested.toBuilder(), OK);
            }
        };
    }

    private BadRequest deleteOrCompact() {
        ByteString key = key();
        return switch (random.nextInt(4)) {
            case 0 -> unary("empty key", KVGrpc.getDeleteRangeMethod(), DeleteRangeRequest.newBuilder(), EMPTY_KEY);
            case 1 -> unary("range end before key", KVGrpc.getDeleteRangeMethod(),
                    DeleteRangeRequest.newBuilder().setKey(key).setRangeEnd(before(key)), OK);
            case 2 -> unary("future revision", KVGrpc.getCompactMethod(),
                    CompactionRequest.newBuilder().setRevision(future()), FUTURE_REV);
            default -> unary("compacted revision", KVGrpc.getCompactMethod(),
                    CompactionRequest.newBuilder().setRevision(random.nextBoolean() ? compacted : -random.nextInt(100)),
                    COMPACTED);
        };
    }

    private BadRequest lease() {
        return switch (random.nextInt(5)) {
            case 0 -> unary("TTL over etcd's maximum", LeaseGrpc.getLeaseGrantMethod(),
                    LeaseGrantRequest.newBuilder().setTTL(MAX_LEASE_TTL + 1 + random.nextLong(Long.MAX_VALUE - MAX_LEASE_TTL)),
                    error(Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"));
            case 1 -> unary("unknown lease", LeaseGrpc.getLeaseRevokeMethod(),
                    LeaseRevokeRequest.newBuilder().setID(unknownId()), LEASE_NOT_FOUND);
            case 2 -> unary("unknown lease", LeaseGrpc.getLeaseTimeToLiveMethod(),
                    LeaseTimeToLiveRequest.newBuilder().setID(unknownId()).setKeys(true), OK);
            case 3 -> new BadRequest("unknown lease", LeaseGrpc.getLeaseKeepAliveMethod(),
                    LeaseKeepAliveRequest.newBuilder().setID(unknownId()).build().toByteArray(), OK);
            default -> unary("revoke lease 0", LeaseGrpc.getLeaseRevokeMethod(), LeaseRevokeRequest.newBuilder(),
                    LEASE_NOT_FOUND);
        };
    }

    private BadRequest cluster() {
        return switch (random.nextInt(3)) {
            case 0 -> unary("unknown member", ClusterGrpc.getMemberRemoveMethod(),
                    MemberRemoveRequest.newBuilder().setID(unknownId()), MEMBER_NOT_FOUND);
            case 1 -> unary("unknown member", ClusterGrpc.getMemberUpdateMethod(),
                    MemberUpdateRequest.newBuilder().setID(unknownId()).addPeerURLs("http://127.0.0.1:1"), MEMBER_NOT_FOUND);
            default -> unary("peer URL without a scheme", ClusterGrpc.getMemberAddMethod(),
                    MemberAddRequest.newBuilder().addPeerURLs("127.0.0.1:" + (1 + random.nextInt(60000))),
                    error(Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"));
        };
    }

    private BadRequest maintenance() {
        return switch (random.nextInt(3)) {
            case 0 -> unary("future revision", MaintenanceGrpc.getHashKVMethod(),
                    HashKVRequest.newBuilder().setRevision(future()), FUTURE_REV);
            case 1 -> unary("compacted revision", MaintenanceGrpc.getHashKVMethod(),
                    HashKVRequest.newBuilder().setRevision(compactedRevision()), COMPACTED);
            default -> unary("unknown alarm action", MaintenanceGrpc.getAlarmMethod(),
                    AlarmRequest.newBuilder().setActionValue(3 + random.nextInt(1000)).setAlarmValue(1),
                    new Expect(Code.INVALID_ARGUMENT, "etcdserver: unknown alarm action or type", true));
        };
    }

    private BadRequest auth() {
        String name = "nobody" + random.nextInt(1 << 20);
        return switch (random.nextInt(7)) {
            case 0 -> unary("empty user name", AuthGrpc.getUserAddMethod(), AuthUserAddRequest.newBuilder().setPassword("p"),
                    error(Code.INVALID_ARGUMENT, "etcdserver: user name is empty"));
            case 1 -> unary("empty role name", AuthGrpc.getRoleAddMethod(), AuthRoleAddRequest.newBuilder(),
                    error(Code.INVALID_ARGUMENT, "etcdserver: role name is empty"));
            case 2 -> unary("unknown user", AuthGrpc.getUserGetMethod(), AuthUserGetRequest.newBuilder().setName(name),
                    error(Code.FAILED_PRECONDITION, "etcdserver: user name not found"));
            case 3 -> unary("unknown user", AuthGrpc.getUserDeleteMethod(), AuthUserDeleteRequest.newBuilder().setName(name),
                    error(Code.FAILED_PRECONDITION, "etcdserver: user name not found"));
            case 4 -> unary("unknown role", AuthGrpc.getRoleGetMethod(), AuthRoleGetRequest.newBuilder().setRole(name),
                    error(Code.FAILED_PRECONDITION, "etcdserver: role name not found"));
            case 5 -> unary("unknown role, unknown permission type", AuthGrpc.getRoleGrantPermissionMethod(),
                    AuthRoleGrantPermissionRequest.newBuilder().setName(name).setPerm(Permission.newBuilder()
                            .setPermTypeValue(3 + random.nextInt(1000)).setKey(key())),
                    error(Code.FAILED_PRECONDITION, "etcdserver: role name not found"));
            default -> unary("auth not enabled", AuthGrpc.getAuthenticateMethod(),
                    AuthenticateRequest.newBuilder().setName(name).setPassword("p"),
                    error(Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"));
        };
    }

    private BadRequest lockOrElection() {
        ByteString name = ByteString.copyFromUtf8("bad/lock/" + random.nextInt(1 << 20));
        // etcd's lock and election services call etcd through its own client, whose errors reach their
        // callers as plain errors: UNKNOWN, with the message kept.
        Expect leaseNotFound = error(Code.UNKNOWN, LEASE_NOT_FOUND.message());
        return switch (random.nextInt(3)) {
            case 0 -> unary("unknown lease", LockGrpc.getLockMethod(),
                    LockRequest.newBuilder().setName(name).setLease(unknownId()), leaseNotFound);
            case 1 -> unary("unknown lease", ElectionGrpc.getCampaignMethod(),
                    CampaignRequest.newBuilder().setName(name).setLease(unknownId()), leaseNotFound);
            default -> unary("no leader", ElectionGrpc.getLeaderMethod(), LeaderRequest.newBuilder().setName(name),
                    error(Code.UNKNOWN, "election: no leader"));
        };
    }

    private static BadRequest unary(String name, MethodDescriptor<?, ?> method, Message.Builder request, Expect expect) {
        return new BadRequest(name, method, request.build().toByteArray(), expect);
    }

    /** A key under {@code bad/}, one to sixteen bytes after it. */
    private ByteString key() {
        byte[] suffix = new byte[1 + random.nextInt(16)];
        random.nextBytes(suffix);
        return ByteString.copyFromUtf8("bad/").concat(ByteString.copyFrom(suffix));
    }

    /** A non-empty range end that sorts before {@code key} and is not {@code "\0"}. */
    private ByteString before(ByteString key) {
        return key.substring(0, 1 + random.nextInt(key.size() - 1));
    }

    private ByteString bytes(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }

    private long future() {
        return current + 1_000_000 + random.nextInt(1 << 30);
    }

    private long compactedRevision() {
        return 1 + random.nextLong(compacted - 1);
    }

    /** An ID (lease or member) nobody has: the top bits set, which etcd's generated IDs leave clear here. */
    private long unknownId() {
        return 0x7f00_0000_0000_0000L | random.nextInt(Integer.MAX_VALUE);
    }
}
