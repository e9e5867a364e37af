package io.tern.server;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Heavy use of one client connection: every call must be answered, none may end the connection. */
class OneConnectionLoadTest {

    /**
     * Regression: HTTP/2 stream slots must be released per call. Helidon leaks a slot when a unary call is
     * completed after its handler returned, and the connection dies with GOAWAY after 8192 calls; 20,000
     * puts on one connection must all succeed.
     */
    @Test
    void twentyThousandPutsOnOneConnection(@TempDir Path dir) throws Exception {
        putAll(dir, 20_000, 64, 8);
    }

    /**
     * Regression: Helidon's connection window, sending its updates in halves, raced between concurrent
     * streams and could send a WINDOW_UPDATE of 0, which the client answers by ending the connection
     * ("Received WINDOW_UPDATE with delta 0 for connection stream"). Many large puts at once exercise it.
     */
    @Test
    void manyLargePutsAtOnceOnOneConnection(@TempDir Path dir) throws Exception {
        putAll(dir, 3000, 1000, 32 * 1024);
    }

    private static void putAll(Path dir, int total, int concurrency, int valueBytes) throws Exception {
        byte[] value = new byte[valueBytes];
        new java.util.Random(total).nextBytes(value);
        try (TernServer server = TernHarness.start(dir, "mvstore"); RawClient raw = new RawClient(server)) {
            KVGrpc.KVStub async = KVGrpc.newStub(raw.channel);
            Semaphore inFlight = new Semaphore(concurrency);
            CountDownLatch done = new CountDownLatch(total);
            AtomicInteger ok = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < total; i++) {
                inFlight.acquire();
                PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("load/" + i))
                        .setValue(ByteString.copyFrom(value)).build();
                async.put(put, new StreamObserver<>() {
                    @Override
                    public void onNext(PutResponse value) {
                        ok.incrementAndGet();
                    }

                    @Override
                    public void onError(Throwable t) {
                        failure.compareAndSet(null, t);
                        inFlight.release();
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        inFlight.release();
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(5, TimeUnit.MINUTES)).as("all calls answered").isTrue();
            assertThat(failure.get()).as("no call failed").isNull();
            assertThat(ok.get()).isEqualTo(total);
            long count = raw.kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("load/"))
                    .setRangeEnd(ByteString.copyFromUtf8("load0")).setCountOnly(true).build()).getCount();
            assertThat(count).isEqualTo(total);
        }
    }
}
