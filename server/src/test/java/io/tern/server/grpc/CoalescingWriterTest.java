package io.tern.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link CoalescingWriter} over a socket stand-in that records each socket write and can be held: Helidon's
 * own socket writer needs a live connection, and the end-to-end behaviour is covered by every gRPC test.
 */
class CoalescingWriterTest {
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    record Concurrency(String name, int writers, int framesEach) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Concurrency> concurrency() {
        return Stream.of(new Concurrency("one writer", 1, 500), new Concurrency("eight writers", 8, 300),
                new Concurrency("sixty-four writers", 64, 40));
    }

    /** Frames are handed over under one lock, as Helidon does; the socket must see exactly that order. */
    @ParameterizedTest
    @MethodSource("concurrency")
    void framesReachTheSocketInTheOrderTheyWereHandedOver(Concurrency c) throws Exception {
        Socket socket = new Socket();
        CoalescingWriter writer = new CoalescingWriter(socket, executor);
        ReentrantLock connectionLock = new ReentrantLock();
        List<String> handedOver = new ArrayList<>();
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < c.writers(); w++) {
            int id = w;
            writers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < c.framesEach(); i++) {
                    String frame = "[" + id + ":" + i + "]";
                    connectionLock.lock();
                    try {
                        handedOver.add(frame);
                        writer.writeNow(BufferData.create(frame));
                    } finally {
                        connectionLock.unlock();
                    }
                }
            }, executor));
        }
        CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        writer.drain(10_000);

        assertThat(socket.text()).isEqualTo(String.join("", handedOver));
        assertThat(socket.writes()).isLessThanOrEqualTo(handedOver.size());
    }

    @Test
    void framesQueuedWhileTheSocketIsBusyGoOutInOneWrite() throws Exception {
        Socket socket = new Socket();
        CoalescingWriter writer = busyWriter(socket, "first;");
        for (int i = 0; i < 10; i++) {
            writer.writeNow(BufferData.create("f" + i + ";"));
        }
        socket.release();
        writer.drain(10_000);

        assertThat(socket.writes()).isEqualTo(2);
        assertThat(socket.text()).isEqualTo("first;f0;f1;f2;f3;f4;f5;f6;f7;f8;f9;");
    }

    @Test
    void afterAFailedSocketWriteEveryLaterWriteFails() throws Exception {
        Socket socket = new Socket();
        socket.failWith(new java.io.UncheckedIOException(new java.io.IOException("Broken pipe")));
        CoalescingWriter writer = new CoalescingWriter(socket, executor);
        writer.writeNow(BufferData.create("lost"));
        writer.drain(10_000);

        assertThatThrownBy(() -> writer.writeNow(BufferData.create("next")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Broken pipe");
    }

    @Test
    void aWriterIsHeldBackWhileTooMuchWaitsForTheSocket() throws Exception {
        Socket socket = new Socket();
        CoalescingWriter writer = busyWriter(socket, "first");
        byte[] big = new byte[CoalescingWriter.MAX_QUEUED_BYTES + 1];
        writer.writeNow(BufferData.create(big)); // queued: the limit is checked before adding
        CompletableFuture<Void> heldBack = CompletableFuture.runAsync(() -> writer.writeNow(BufferData.create("x")),
                executor);

        Thread.sleep(200);
        assertThat(heldBack).isNotDone();
        socket.release();
        heldBack.get(10, TimeUnit.SECONDS);
        writer.drain(10_000);
        assertThat(socket.bytes()).isEqualTo("first".length() + big.length + 1);
    }

    @Test
    void drainWaitsForTheQueuedFramesAndGivesUpAtItsTimeout() throws Exception {
        Socket socket = new Socket();
        CoalescingWriter writer = busyWriter(socket, "goaway");

        long start = System.nanoTime();
        writer.drain(300);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(250);
        assertThat(socket.text()).isEmpty();

        socket.release();
        writer.drain(10_000);
        assertThat(socket.text()).isEqualTo("goaway");
    }

    /** A frame header (RFC 9113 §4.1) and {@code payload} bytes of {@code fill}. */
    private static BufferData frame(int type, int flags, int stream, int payload, char fill) {
        byte[] f = new byte[9 + payload];
        f[2] = (byte) payload;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[8] = (byte) stream;
        java.util.Arrays.fill(f, 9, f.length, (byte) fill);
        return BufferData.create(f);
    }

    record OwnFrame(String name, List<BufferData> before, List<BufferData> after, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<OwnFrame> ownFrames() {
        return Stream.of(
                new OwnFrame("between whole frames it goes at once", List.of(frame(0x1, 0x4, 1, 1, 'h')),
                        List.of(frame(0x0, 0, 1, 1, 'd')), "h,o,d"),
                new OwnFrame("an open header block is ended first",
                        List.of(frame(0x1, 0x0, 1, 1, 'h')),
                        List.of(frame(0x9, 0x0, 1, 1, 'c'), frame(0x9, 0x4, 1, 1, 'e'), frame(0x0, 0, 1, 1, 'd')),
                        "h,c,e,o,d"),
                new OwnFrame("data frames with flag 0x4 do not open or end blocks",
                        List.of(frame(0x1, 0x0, 1, 1, 'h'), frame(0x0, 0x4, 3, 1, 'd')),
                        List.of(frame(0x9, 0x4, 1, 1, 'e')), "h,d,e,o"));
    }

    /** RFC 9113 §6.10: nothing may come between a HEADERS frame without END_HEADERS and its CONTINUATIONs. */
    @ParameterizedTest
    @MethodSource("ownFrames")
    void anOwnFrameNeverSplitsAHeaderBlock(OwnFrame c) {
        Socket socket = new Socket();
        CoalescingWriter writer = new CoalescingWriter(socket, executor);
        c.before().forEach(writer::writeNow);
        writer.writeOwnFrame(frame(0x8, 0, 0, 1, 'o'));
        c.after().forEach(writer::writeNow);
        writer.drain(10_000);

        byte[] written = socket.out.toByteArray();
        List<String> payloads = new ArrayList<>();
        for (int at = 0; at < written.length; at += 10) {
            payloads.add(String.valueOf((char) written[at + 9]));
        }
        assertThat(String.join(",", payloads)).isEqualTo(c.expected());
    }

    /** A writer whose flusher is stuck in the socket write of {@code first} until the socket is released. */
    private CoalescingWriter busyWriter(Socket socket, String first) throws InterruptedException {
        socket.hold();
        CoalescingWriter writer = new CoalescingWriter(socket, executor);
        writer.writeNow(BufferData.create(first));
        socket.awaitWriteStarted();
        return writer;
    }

    /** Records socket writes; can hold a write until released, or fail every write. */
    private static final class Socket implements DataWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final CountDownLatch started = new CountDownLatch(1);
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private volatile RuntimeException failure;
        private int writes;

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        void failWith(RuntimeException e) {
            failure = e;
        }

        void awaitWriteStarted() throws InterruptedException {
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        }

        @Override
        public void writeNow(BufferData buffer) {
            started.countDown();
            if (failure != null) {
                throw failure;
            }
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            byte[] bytes = buffer.readBytes();
            synchronized (this) {
                out.writeBytes(bytes);
                writes++;
            }
        }

        @Override
        public void writeNow(BufferData... buffers) {
            writeNow(BufferData.create(buffers));
        }

        @Override
        public void write(BufferData... buffers) {
            writeNow(buffers);
        }

        @Override
        public void write(BufferData buffer) {
            writeNow(buffer);
        }

        synchronized String text() {
            return out.toString(StandardCharsets.US_ASCII);
        }

        synchronized int bytes() {
            return out.size();
        }

        synchronized int writes() {
            return writes;
        }
    }
}
