package io.tern.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveResponse;
import io.tern.api.proto.etcdserverpb.MemberAddRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The errors of etcd's generated decoders, byte by byte. Each expected text was read off the gogo code
 * etcd 3.4 ships ({@code etcdserverpb/rpc.pb.go}: its {@code Unmarshal} methods and {@code skipRpc}) and
 * checked against a running etcd 3.4.23 through {@code BadInputTest}'s etcd mode.
 */
class GogoUnmarshalTest {

    /** Bytes (hex) sent as a message of {@code type}, and gogo's error, or null when gogo decodes them. */
    record Case(String name, Descriptor type, String hex, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final Descriptor RANGE = RangeRequest.getDescriptor();
    private static final String TEN_FF = "ff".repeat(10);

    static Stream<Case> cases() {
        return Stream.of(
                new Case("empty message", RANGE, "", null),
                new Case("key k", RANGE, "0a016b", null),
                new Case("length past the end", RANGE, "0a0561", GogoUnmarshal.EOF),
                new Case("tag cut off", RANGE, "80", GogoUnmarshal.EOF),
                new Case("varint value cut off", RANGE, "1880", GogoUnmarshal.EOF),
                new Case("tag of eleven bytes", RANGE, TEN_FF + "01", GogoUnmarshal.OVERFLOW),
                new Case("limit of eleven bytes", RANGE, "18" + TEN_FF + "01", GogoUnmarshal.OVERFLOW),
                new Case("length with the top bit set", RANGE, "0a" + "ff".repeat(9) + "01", GogoUnmarshal.NEGATIVE_LENGTH),
                new Case("field 0, varint", RANGE, "00", "proto: RangeRequest: illegal tag 0 (wire type 0)"),
                new Case("field 0, bytes", RANGE, "02", "proto: RangeRequest: illegal tag 0 (wire type 2)"),
                new Case("end group", RANGE, "0c", "proto: RangeRequest: wiretype end group for non-group"),
                new Case("key as a varint", RANGE, "0801", "proto: wrong wireType = 0 for field Key"),
                new Case("limit as bytes", RANGE, "1a00", "proto: wrong wireType = 2 for field Limit"),
                new Case("range_end as fixed32", RANGE, "1500000000", "proto: wrong wireType = 5 for field RangeEnd"),
                new Case("unknown varint field", RANGE, "980601", null),
                new Case("unknown fixed64 field", RANGE, "99060102030405060708", null),
                new Case("unknown fixed64 field cut off", RANGE, "9906010203", GogoUnmarshal.EOF),
                new Case("unknown bytes field past the end", RANGE, "9a0605aa", GogoUnmarshal.EOF),
                new Case("unknown field, wire type 7", RANGE, "9f06", "proto: illegal wireType 7"),
                new Case("unknown field, wire type 6", RANGE, "9e06", "proto: illegal wireType 6"),
                new Case("unknown group", RANGE, "9b06" + "a00601" + "9c06", null),
                new Case("unknown nested groups", RANGE, "9b06" + "a306" + "a406" + "9c06", null),
                new Case("unknown group left open", RANGE, "9b06a00601", GogoUnmarshal.EOF),
                new Case("a thousand open groups", RANGE, "9b06".repeat(1000), GogoUnmarshal.EOF),
                new Case("TTL as bytes", LeaseGrantRequest.getDescriptor(), "0a00", "proto: wrong wireType = 2 for field TTL"),
                new Case("grantedTTL as bytes", LeaseTimeToLiveResponse.getDescriptor(), "2200",
                        "proto: wrong wireType = 2 for field GrantedTTL"),
                new Case("peerURLs as a varint", MemberAddRequest.getDescriptor(), "0801",
                        "proto: wrong wireType = 0 for field PeerURLs"),
                new Case("filters packed", WatchCreateRequest.getDescriptor(), "2a020001", null),
                new Case("filters one by one", WatchCreateRequest.getDescriptor(), "28002801", null),
                new Case("filters as fixed64", WatchCreateRequest.getDescriptor(), "290000000000000000",
                        "proto: wrong wireType = 1 for field Filters"),
                new Case("filters packed past the end", WatchCreateRequest.getDescriptor(), "2a0500", GogoUnmarshal.EOF),
                new Case("nested compare with field 0", TxnRequest.getDescriptor(), "0a0100",
                        "proto: Compare: illegal tag 0 (wire type 0)"),
                new Case("nested put as a varint", TxnRequest.getDescriptor(), "12021001",
                        "proto: wrong wireType = 0 for field RequestPut"),
                new Case("nested op longer than its txn", TxnRequest.getDescriptor(), "1205120361", GogoUnmarshal.EOF),
                new Case("nested put longer than its op", TxnRequest.getDescriptor(), "1204120a0161" + "00",
                        GogoUnmarshal.EOF),
                // A txn nests two messages deep (txn, op); protobuf-java reads 100 levels at most.
                new Case("txns nested 40 deep", TxnRequest.getDescriptor(), hex(nestedTxn(40)), null),
                new Case("txns nested 60 deep", TxnRequest.getDescriptor(), hex(nestedTxn(60)), GogoUnmarshal.TOO_DEEP));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void etcdsDecoderGivesThisError(Case c) {
        assertThat(GogoUnmarshal.error(HexFormat.of().parseHex(c.hex()), c.type())).isEqualTo(c.error());
    }

    /** A field and the Go name gogo prints for it. */
    record Name(Descriptor type, String field, String goName) {
    }

    static Stream<Name> names() {
        return Stream.of(
                new Name(RANGE, "range_end", "RangeEnd"),
                new Name(RANGE, "max_create_revision", "MaxCreateRevision"),
                new Name(LeaseGrantRequest.getDescriptor(), "ID", "ID"),
                new Name(LeaseTimeToLiveResponse.getDescriptor(), "grantedTTL", "GrantedTTL"),
                new Name(MemberAddRequest.getDescriptor(), "peerURLs", "PeerURLs"),
                new Name(RequestOp.getDescriptor(), "request_delete_range", "RequestDeleteRange"),
                new Name(PutRequest.getDescriptor(), "prev_kv", "PrevKv"),
                new Name(WatchCreateRequest.getDescriptor(), "watch_id", "WatchId"));
    }

    @ParameterizedTest
    @MethodSource("names")
    void fieldsAreNamedAsGoNamesThem(Name n) {
        assertThat(GogoUnmarshal.goName(n.type().findFieldByName(n.field()))).isEqualTo(n.goName());
    }

    /** {@code depth} txns, each the only success op of the one above, the innermost reading key k. */
    static byte[] nestedTxn(int depth) {
        TxnRequest txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                .setRequestRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")))).build();
        for (int i = 1; i < depth; i++) {
            txn = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(txn)).build();
        }
        return txn.toByteArray();
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
