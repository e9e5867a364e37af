package io.tern.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Works around Helidon 4.4: when a client cancels a call (RST_STREAM) or its connection just drops while
 * the server still expects frames of the call, the HTTP/2 stream's own virtual thread stays parked forever,
 * waiting for frames that will never come. Streaming calls expect frames for as long as they live; a unary
 * call does until its request has arrived whole, so a client that drops its connection after a request's
 * headers, or in the middle of its message, left a thread behind too. (Helidon 4.5 wakes it, but answers a
 * client's RST_STREAM for a stream it has just closed by closing the whole connection, which gRPC clients
 * trigger routinely; so Tern stays on 4.4.)
 *
 * <p>After a cancel, the stream's thread is interrupted once it is found parked on its frame queue,
 * which Helidon takes as the end of the stream. A thread doing anything else is left alone and looked
 * at again later: interrupting one that is writing would close the connection's socket.
 */
public final class StreamReaper {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tern-stream-reaper");
        t.setDaemon(true);
        return t;
    });
    private static final long DELAY_MILLIS = 100;
    private static final int ATTEMPTS = 100;

    private StreamReaper() {
    }

    /**
     * Watches every call, unary ones too: when its client cancels it, the thread that started it is
     * released as described above. ({@link GrpcStreamGuard} releases it when its connection drops.)
     */
    public static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                             ServerCallHandler<Q, R> next) {
                ServerCall.Listener<Q> listener = next.startCall(call, headers);
                Thread streamThread = Thread.currentThread(); // calls start on their stream's thread
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                    @Override
                    public void onCancel() {
                        try {
                            super.onCancel();
                        } finally {
                            cancelled(streamThread);
                        }
                    }
                };
            }
        };
    }

    private static void cancelled(Thread streamThread) {
        schedule(streamThread, ATTEMPTS);
    }

    /**
     * Releases {@code streamThread}, an HTTP/2 stream's thread serving a plain HTTP request (the gateway)
     * whose connection has ended: interrupted whenever it is found parked for frames of the request's body.
     */
    public static void release(Thread streamThread) {
        schedule(streamThread, ATTEMPTS);
    }

    private static void schedule(Thread t, int attemptsLeft) {
        TIMER.schedule(() -> reap(t, attemptsLeft), DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }

    private static void reap(Thread t, int attemptsLeft) {
        if (!t.isAlive()) {
            return;
        }
        if (parkedForFrames(t.getStackTrace())) {
            t.interrupt();
            // Reading a request body, Helidon answers an interrupt with an empty read and may wait again.
            if (attemptsLeft > 1) {
                schedule(t, attemptsLeft - 1);
            }
        } else if (attemptsLeft > 1) {
            schedule(t, attemptsLeft - 1);
        }
    }

    /**
     * True when the thread waits for the next inbound frame, and nowhere else: in Helidon's stream loop, or
     * where it reads a request body.
     */
    static boolean parkedForFrames(StackTraceElement[] stack) {
        boolean inQueueTake = false;
        for (StackTraceElement e : stack) {
            String c = e.getClassName();
            if (c.startsWith("java.") || c.startsWith("jdk.")) {
                inQueueTake |= c.startsWith("java.util.concurrent.") && c.endsWith("BlockingQueue")
                        && e.getMethodName().equals("take");
                continue;
            }
            // The first frame outside the JDK must be the stream's own loop.
            return inQueueTake && c.equals("io.helidon.webserver.http2.Http2ServerStream")
                    && (e.getMethodName().equals("handle") || e.getMethodName().equals("readEntityFromPipeline"));
        }
        return false;
    }
}
