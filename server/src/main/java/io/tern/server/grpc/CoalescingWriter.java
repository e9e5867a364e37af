package io.tern.server.grpc;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One HTTP/2 connection's writer that sends the frames of many streams in one socket write.
 *
 * <p>Helidon writes every frame straight to the socket, under its connection lock: a unary gRPC answer costs
 * three system calls (headers, message, trailers), and concurrent streams queue on the lock meanwhile. Here a
 * frame is queued in the order it is handed over (the caller's lock keeps HTTP/2's order, which HPACK needs)
 * and one flusher task per connection writes everything queued so far at once. Under load that is one system
 * call for the answers of many streams; alone, a frame waits only for the flusher to be scheduled.
 *
 * <p>Contract: frames reach the socket in the order of {@link #writeNow}; a caller is held back while more than
 * {@link #MAX_QUEUED_BYTES} wait (the client is not reading); after a failed socket write every later write
 * fails with it; {@link #drain} writes what is left before the socket closes. Each {@link #writeNow} is one whole
 * frame, as Helidon's connection writer hands them over; {@link #writeOwnFrame} adds one between them.
 */
final class CoalescingWriter implements DataWriter {
    /** Bytes that may wait for the flusher before writers are held back. */
    static final int MAX_QUEUED_BYTES = 4 * 1024 * 1024;
    private static final int HEADERS = 0x1;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;
    private final DataWriter socket;
    private final Executor executor;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    private List<BufferData> queue = new ArrayList<>();
    private long queuedBytes;
    private boolean flushing;
    private RuntimeException failure;
    /** The last frame queued opened a header block that a later one ends; guarded by lock. */
    private boolean inHeaderBlock;
    /** Own frames waiting for the end of a header block; guarded by lock. */
    private final List<BufferData> afterHeaderBlock = new ArrayList<>();

    CoalescingWriter(DataWriter socket, Executor executor) {
        this.socket = socket;
        this.executor = executor;
    }

    @Override
    public void write(BufferData... buffers) {
        writeNow(buffers);
    }

    @Override
    public void write(BufferData buffer) {
        writeNow(buffer);
    }

    @Override
    public void writeNow(BufferData... buffers) {
        writeNow(buffers.length == 1 ? buffers[0] : BufferData.create(buffers));
    }

    @Override
    public void writeNow(BufferData buffer) {
        boolean start;
        lock.lock();
        try {
            while (failure == null && queuedBytes > MAX_QUEUED_BYTES) {
                progress.awaitUninterruptibly();
            }
            failIfFailed();
            // Read before the buffer is queued: once queued, the flusher may consume it.
            if (buffer.available() >= 5) {
                int type = buffer.get(3) & 0xff;
                if (type == HEADERS || type == CONTINUATION) {
                    inHeaderBlock = (buffer.get(4) & END_HEADERS) == 0;
                }
            }
            enqueue(buffer);
            if (!inHeaderBlock && !afterHeaderBlock.isEmpty()) {
                afterHeaderBlock.forEach(this::enqueue);
                afterHeaderBlock.clear();
            }
            start = startFlusher();
        } finally {
            lock.unlock();
        }
        if (start) {
            runFlusher();
        }
    }

    /**
     * Queues a frame of the caller's own (not one of Helidon's writer, and never a header block's): right away,
     * or, while the frames queued last leave a header block open, right after the frame that ends it (RFC 9113
     * §6.10 allows nothing in between). Never held back: such frames are small and rare.
     */
    void writeOwnFrame(BufferData frame) {
        boolean start;
        lock.lock();
        try {
            failIfFailed();
            if (inHeaderBlock) {
                afterHeaderBlock.add(frame);
                return;
            }
            enqueue(frame);
            start = startFlusher();
        } finally {
            lock.unlock();
        }
        if (start) {
            runFlusher();
        }
    }

    private void failIfFailed() {
        if (failure != null) {
            throw new IllegalStateException("connection write failed earlier: " + failure, failure);
        }
    }

    private void enqueue(BufferData buffer) {
        queue.add(buffer);
        queuedBytes += buffer.available();
    }

    /** True when the caller is to start the flusher (none runs); under lock. */
    private boolean startFlusher() {
        boolean start = !flushing;
        flushing = true;
        return start;
    }

    private void runFlusher() {
        try {
            executor.execute(this::writeQueued);
        } catch (RuntimeException rejected) { // the listener is shutting down: write on this thread
            writeQueued();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for every queued frame to be written (or to fail); the connection's socket
     * closes after this.
     */
    void drain(long timeoutMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (failure == null && (flushing || !queue.isEmpty())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                progress.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** The flusher: writes batches until the queue is empty, then lets the next frame start a new flusher. */
    private void writeQueued() {
        while (true) {
            List<BufferData> batch;
            lock.lock();
            try {
                if (queue.isEmpty() || failure != null) {
                    flushing = false;
                    progress.signalAll();
                    return;
                }
                batch = queue;
                queue = new ArrayList<>(Math.max(4, batch.size()));
                queuedBytes = 0;
                progress.signalAll();
            } finally {
                lock.unlock();
            }
            try {
                socket.writeNow(batch.size() == 1 ? batch.get(0) : BufferData.create(batch));
            } catch (RuntimeException e) {
                lock.lock();
                try {
                    failure = e;
                    queue.clear();
                    flushing = false;
                    progress.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
        }
    }
}
