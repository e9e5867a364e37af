package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.kv.KvService;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.CompactionResponse;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeResponse;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.TxnResponse;

/** {@code etcdserverpb.KV} over gRPC. */
public final class KvEndpoint extends KVGrpc.KVImplBase {
    private final KvService kv;

    public KvEndpoint(KvService kv) {
        this.kv = kv;
    }

    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> observer) {
        Calls.answer(observer, () -> kv.range(request));
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        Calls.answer(observer, () -> kv.put(request));
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> observer) {
        Calls.answer(observer, () -> kv.deleteRange(request));
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> observer) {
        Calls.answer(observer, () -> kv.txn(request));
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> observer) {
        Calls.answer(observer, () -> kv.compact(request));
    }
}
