package io.tern.api.watch;

import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.WatchCancelRequest;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One client's watch stream: its watchers by id, and the outbound queue a dedicated virtual thread
 * drains into the {@link WatchSink}. Requests come in through {@link #handle}, which waits for the client
 * only while {@value #CONTROL_LIMIT} answers to its requests are unsent, and at most the control stall.
 * Event responses are accepted only while the queue is under its byte budget; past it, watchers drop to
 * catching up from storage (see {@link WatchHub}), so a client that stops reading costs a bounded
 * amount of memory and never holds up writes or other streams.
 */
public final class WatchStream {
    private static final System.Logger LOG = System.getLogger(WatchStream.class.getName());
    /**
     * Answers to the client's own requests (created, canceled, progress) that may wait unsent before the
     * stream stops taking requests, as etcd's control channel of 16 does: a client that sends requests but
     * never reads is held back by HTTP/2 flow control instead of growing the queue without bound.
     */
    static final int CONTROL_LIMIT = 16;

    private final WatchHub hub;
    private final WatchSink sink;
    private final long budgetBytes;
    private final long controlStallNanos;
    /** Guarded by the hub lock. */
    final Map<Long, Watcher> watchers = new HashMap<>();
    /** Guarded by the hub lock: a progress request waits for every watcher to be synced. */
    boolean progressPending;
    /** Guarded by the hub lock: the stream has ended; late requests are ignored. */
    boolean ended;
    private long nextAutoId;

    private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** Control responses in {@link #queue}, unsent; guarded by the queue. */
    private int queuedControl;
    private boolean closed;
    /**
     * Why the server ended the stream, set once before {@link #closed}; the sender, woken by an interrupt,
     * hands it to the sink. Null while the stream lives or when the client ended it.
     */
    private volatile RuntimeException ending;
    /** When the sender last finished a send; a stall counts from here, or from when the request began to wait. */
    private volatile long lastSentNanos = System.nanoTime();
    private final Thread sender;

    private record Outbound(WatchResponse response, int bytes, boolean fragment, boolean control) {
    }

    WatchStream(WatchHub hub, WatchSink sink, WatchConfig config) {
        this.hub = hub;
        this.sink = sink;
        this.budgetBytes = config.streamBufferBytes();
        this.controlStallNanos = config.controlStall().toNanos();
        this.sender = Thread.ofVirtual().name("tern-watch-send").start(this::drain);
    }

    /**
     * Handles one request from the client. Waits, on the caller's thread (the call's own), while
     * {@link #CONTROL_LIMIT} answers to earlier requests are unsent; a stream that ends or an interrupt (the
     * call is being torn down) ends the wait, and the request is then dropped. When the sender has sent
     * nothing for the configured control stall while a request waits, the stream ends with
     * {@link EtcdError#TOO_MANY_REQUESTS}: the caller's thread reads the call's frames, and while it waits its
     * connection reads nothing else. (The client sees that error, or, when the end cut an answer short on
     * the client's flow control, its own error for a message cut off by the end of the stream.)
     */
    public void handle(WatchRequest request) {
        if (request.getRequestUnionCase() == WatchRequest.RequestUnionCase.REQUESTUNION_NOT_SET || !awaitControlRoom()) {
            return;
        }
        switch (request.getRequestUnionCase()) {
            case CREATE_REQUEST -> create(request.getCreateRequest());
            case CANCEL_REQUEST -> cancel(request.getCancelRequest());
            case PROGRESS_REQUEST -> hub.requestProgress(this);
            case REQUESTUNION_NOT_SET -> { }
        }
    }

    /**
     * Answers a create request this client may not make as etcd does: a created-and-canceled response
     * for watch id -1 carrying {@code reason}; the stream and its other watchers go on.
     */
    public void refuse(String reason) {
        if (awaitControlRoom()) {
            hub.refuse(this, reason);
        }
    }

    private void create(WatchCreateRequest r) {
        hub.create(this, r);
    }

    private void cancel(WatchCancelRequest r) {
        hub.cancel(this, r.getWatchId());
    }

    /**
     * The id for a new watcher: the client's choice, or the lowest free auto id; null when the client's
     * choice is taken. Caller holds the hub lock.
     */
    Long chooseId(long requested) {
        if (requested != 0) {
            return watchers.containsKey(requested) ? null : requested;
        }
        while (watchers.containsKey(nextAutoId)) {
            nextAutoId++;
        }
        return nextAutoId++;
    }

    /**
     * False when the stream ended, the thread was interrupted, or the sender stalled (which ends the stream)
     * before the control queue had room. A client that reads slowly, behind event responses, keeps the sender
     * moving and is waited for.
     */
    private boolean awaitControlRoom() {
        synchronized (queue) {
            long waitFrom = System.nanoTime();
            while (!closed && queuedControl >= CONTROL_LIMIT) {
                long sent = lastSentNanos;
                long left = (sent - waitFrom > 0 ? sent : waitFrom) + controlStallNanos - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(queue, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            if (closed || queuedControl < CONTROL_LIMIT) {
                return !closed;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "ending a watch stream whose client sent more requests with the answers"
                + " to its last " + CONTROL_LIMIT + " unread and read nothing for "
                + TimeUnit.NANOSECONDS.toMillis(controlStallNanos) + " ms");
        end(EtcdError.TOO_MANY_REQUESTS.exception());
        return false;
    }

    /**
     * Ends the stream from the server's side: every watcher goes, and the sender, woken wherever it waits
     * (on the queue, or on the client's flow control for an answer), tells the sink {@code why}. The
     * interrupt is raised under the queue's lock, where the sender learns that the stream is closed, so it is
     * always pending by then and cleared before the sink is told.
     */
    private void end(RuntimeException why) {
        hub.removeStream(this);
        synchronized (queue) {
            if (closed) {
                return;
            }
            ending = why;
            closeLocked();
            sender.interrupt();
        }
    }

    /** Marks the stream closed and drops what it holds, waking its waiters; the caller holds the queue's lock. */
    private void closeLocked() {
        closed = true;
        queue.clear();
        queuedBytes = 0;
        queuedControl = 0;
        queue.notifyAll();
    }

    /** Ends the stream from the client's side (cancel, disconnect, half-close): every watcher goes. */
    public void close() {
        hub.removeStream(this);
        synchronized (queue) {
            closeLocked();
        }
    }

    /** Number of watchers on this stream. */
    public int size() {
        return hub.watcherCount(this);
    }

    /** Queues a control response (created, canceled, progress): always accepted. */
    void enqueueControl(WatchResponse r) {
        enqueue(new Outbound(r, r.getSerializedSize(), false, true), true);
    }

    /** Queues an event response if the byte budget allows; false means the watcher must catch up later. */
    boolean offerEvents(WatchResponse r, boolean fragment) {
        return enqueue(new Outbound(r, r.getSerializedSize(), fragment, false), false);
    }

    /**
     * Queues a catch-up response unless the queue is already at its budget; one response may take it
     * over the budget (catch-up reads are capped at half of it), so that a large one is not refused forever.
     */
    boolean offerCatchUp(WatchResponse r, boolean fragment) {
        Outbound o = new Outbound(r, r.getSerializedSize(), fragment, false);
        synchronized (queue) {
            if (closed) {
                return true;
            }
            if (queuedBytes >= budgetBytes) {
                return false;
            }
            queue.addLast(o);
            queuedBytes += o.bytes;
            queue.notifyAll();
            return true;
        }
    }

    /** True while the queue is below half its budget: worth reading history for. */
    boolean hasRoom() {
        synchronized (queue) {
            return !closed && queuedBytes < budgetBytes / 2;
        }
    }

    private boolean enqueue(Outbound o, boolean always) {
        synchronized (queue) {
            if (closed) {
                return true; // nothing to deliver to; the watcher is about to be removed
            }
            if (!always && queuedBytes > 0 && queuedBytes + o.bytes > budgetBytes) {
                return false;
            }
            queue.addLast(o);
            queuedBytes += o.bytes;
            if (o.control) {
                queuedControl++;
            }
            queue.notifyAll();
            return true;
        }
    }

    /** The sender: sends queued responses in order until the stream ends. */
    private void drain() {
        try {
            sendAll();
        } catch (InterruptedException e) {
            // shutdown, or the server ending the stream
        }
        RuntimeException why = ending;
        if (why != null) {
            Thread.interrupted(); // the interrupt that woke this thread must not cut the trailers short
            sink.closed(why);
        }
    }

    private void sendAll() throws InterruptedException {
        while (true) {
            Outbound o;
            synchronized (queue) {
                while (queue.isEmpty() && !closed) {
                    queue.wait();
                }
                if (closed) {
                    return;
                }
                o = queue.peekFirst();
            }
            try {
                if (o.fragment && o.bytes >= hub.config().fragmentBytes() && o.response.getEventsCount() > 1) {
                    for (WatchResponse part : fragments(o.response, hub.config().fragmentBytes())) {
                        sink.send(part);
                    }
                } else {
                    sink.send(o.response);
                }
            } catch (RuntimeException e) {
                synchronized (queue) {
                    if (ending != null) {
                        return; // the send was cut short by the server ending the stream
                    }
                    closed = true; // from here on end() finds the stream closed and leaves this thread alone
                }
                LOG.log(System.Logger.Level.DEBUG, "watch stream delivery failed; closing it: {0}", e.toString());
                close();
                sink.closed(e);
                return;
            }
            lastSentNanos = System.nanoTime();
            synchronized (queue) {
                if (!queue.isEmpty() && queue.peekFirst() == o) {
                    queue.removeFirst();
                    queuedBytes -= o.bytes;
                    if (o.control) {
                        queuedControl--;
                        queue.notifyAll();
                    }
                }
            }
            hub.drained();
        }
    }

    /**
     * etcd's fragments: copies of the response, each filled with events up to the limit (at least one),
     * all but the last marked {@code fragment}.
     */
    static List<WatchResponse> fragments(WatchResponse whole, int limit) {
        List<WatchResponse> out = new ArrayList<>();
        WatchResponse.Builder shell = whole.toBuilder().clearEvents();
        int base = shell.build().getSerializedSize();
        WatchResponse.Builder part = shell.clone();
        int size = base;
        for (var e : whole.getEventsList()) {
            int add = e.getSerializedSize() + 8;
            if (part.getEventsCount() > 0 && size + add > limit) {
                out.add(part.setFragment(true).build());
                part = shell.clone();
                size = base;
            }
            part.addEvents(e);
            size += add;
        }
        out.add(part.setFragment(false).build());
        return out;
    }

    /** Called by the hub when it shuts down: the sink learns the stream is over. */
    void shutdown() {
        synchronized (queue) {
            if (closed) {
                return;
            }
            closeLocked();
            sender.interrupt();
        }
        sink.closed(null);
    }
}
