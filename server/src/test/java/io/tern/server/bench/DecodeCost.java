package io.tern.server.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.server.grpc.GogoUnmarshal;

/**
 * What checking a request as etcd's decoder would adds to decoding it: nanoseconds per message for
 * protobuf-java's parse alone and for {@link GogoUnmarshal#error} followed by the parse, on a small put,
 * a 100 KiB put and a txn of 128 puts. Run: {@code java -cp <server test classpath> io.tern.server.bench.DecodeCost}.
 */
public final class DecodeCost {
    private DecodeCost() {
    }

    public static void main(String[] args) throws Exception {
        PutRequest small = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("some/key/0001"))
                .setValue(ByteString.copyFrom(new byte[256])).build();
        PutRequest large = small.toBuilder().setValue(ByteString.copyFrom(new byte[100 * 1024])).build();
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 128; i++) {
            txn.addSuccess(RequestOp.newBuilder().setRequestPut(small.toBuilder().setKey(ByteString.copyFromUtf8("k" + i))));
        }
        for (int round = 0; round < 3; round++) {
            for (Message m : new Message[] {small, large, txn.build()}) {
                byte[] bytes = m.toByteArray();
                int n = Math.max(2_000, 20_000_000 / bytes.length);
                long parse = time(n, () -> m.getParserForType().parseFrom(bytes));
                long both = time(n, () -> {
                    if (GogoUnmarshal.error(bytes, m.getDescriptorForType()) != null) {
                        throw new IllegalStateException();
                    }
                    m.getParserForType().parseFrom(bytes);
                });
                System.out.printf("%-12s %8d bytes: parse %7d ns, check + parse %7d ns (+%.1f%%)%n",
                        m.getDescriptorForType().getName(), bytes.length, parse, both, 100.0 * (both - parse) / parse);
            }
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Mean nanoseconds of {@code step} over {@code n} runs. */
    private static long time(int n, Step step) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            step.run();
        }
        return (System.nanoTime() - start) / n;
    }
}
