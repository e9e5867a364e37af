package io.tern.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tern.api.proto.etcdserverpb.WatchCancelRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchGrpc;
import io.tern.api.proto.etcdserverpb.WatchProgressRequest;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One raw watch stream: requests in, every response kept in arrival order. */
public final class WatchProbe implements AutoCloseable {
    final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    private volatile Throwable error;
    private volatile ClientCallStreamObserver<WatchRequest> requests;

    WatchProbe(ManagedChannel channel) {
        WatchGrpc.newStub(channel).watch(new ClientResponseObserver<WatchRequest, WatchResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
                requests = stream;
            }

            @Override
            public void onNext(WatchResponse r) {
                responses.add(r);
            }

            @Override
            public void onError(Throwable t) {
                error = t;
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    public static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    public WatchProbe create(WatchCreateRequest.Builder r) {
        synchronized (this) {
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(r).build());
        }
        return this;
    }

    public void cancel(long id) {
        synchronized (this) {
            requests.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build());
        }
    }

    public void progress() {
        synchronized (this) {
            requests.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        }
    }

    /** The next response, failing the test after 10 s. */
    public WatchResponse next() {
        try {
            WatchResponse r = responses.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a watch response within 10 s (stream error: %s)", error).isNotNull();
            return r;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next created response; returns its watch id. */
    public long created() {
        WatchResponse r = next();
        assertThat(r.getCreated()).as("created response: %s", r).isTrue();
        assertThat(r.getCanceled()).as("created response: %s", r).isFalse();
        return r.getWatchId();
    }

    /** Responses until at least {@code events} events have arrived. */
    public List<WatchResponse> untilEvents(int events) {
        List<WatchResponse> out = new ArrayList<>();
        int n = 0;
        while (n < events) {
            WatchResponse r = next();
            out.add(r);
            n += r.getEventsCount();
        }
        return out;
    }

    /** Asserts nothing more arrives within {@code millis}. */
    void quiet(long millis) throws InterruptedException {
        assertThat(responses.poll(millis, TimeUnit.MILLISECONDS)).isNull();
    }

    public Throwable error() {
        return error;
    }

    @Override
    public void close() {
        synchronized (this) {
            requests.cancel("test done", null);
        }
    }
}
