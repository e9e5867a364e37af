package io.tern.api.watch;

import io.tern.api.apply.KvStateMachine;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.mvcc.KvChange;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.mvccpb.Event;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Every watcher of this member, in etcd's two groups:
 * <ul>
 *   <li><b>synced</b> watchers have been handed every event up to {@link #published}; each commit's
 *   events go straight to them from the apply thread ({@link #committed}), never waiting: a stream over
 *   its buffer budget refuses, and the watcher moves to the other group;</li>
 *   <li><b>unsynced</b> watchers (started in the past, or fallen behind) are served by the catch-up
 *   thread, which reads the change log from storage for all of them at once, only for streams with room,
 *   and moves each back to synced once it has reached {@link #published}.</li>
 * </ul>
 * A watcher's {@code nextRev} is the first revision it has not been handed, so a revision is handed over
 * exactly once whichever path it takes, and always in order.
 */
public final class WatchHub implements KvStateMachine.CommitListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WatchHub.class.getName());
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final String EMPTY_RANGE = "mvcc: watcher range is empty";
    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";

    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final LongSupplier term;
    private final WatchConfig config;
    private final Object lock = new Object();
    /** The newest revision whose events synced watchers have been handed. Guarded by {@link #lock}. */
    private long published;
    private final Map<ByteBuffer, Set<Watcher>> syncedByKey = new HashMap<>();
    private final Set<Watcher> syncedRanges = new HashSet<>();
    private final Set<Watcher> unsynced = new HashSet<>();
    private final Set<WatchStream> streams = new HashSet<>();
    private int watcherCount;
    /** Some watcher is unsynced; read without the lock by stream senders. */
    private volatile boolean behind;
    private final Thread catchUp;
    private volatile boolean closed;
    private long lastProgressNanos = System.nanoTime();

    public WatchHub(Supplier<KvStore> store, ResponseHeaders headers, LongSupplier term, WatchConfig config) {
        this.store = store;
        this.headers = headers;
        this.term = term;
        this.config = config;
        this.published = store.get().currentRevision();
        this.catchUp = new Thread(this::catchUpLoop, "tern-watch-sync");
        this.catchUp.setDaemon(true);
        this.catchUp.start();
    }

    WatchConfig config() {
        return config;
    }

    /** Opens a stream whose responses go to {@code sink}. */
    public WatchStream open(WatchSink sink) {
        WatchStream s = new WatchStream(this, sink, config);
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the watch hub is closed");
            }
            streams.add(s);
        }
        return s;
    }

    /** Watchers across all streams. */
    public int watcherCount() {
        synchronized (lock) {
            return watcherCount;
        }
    }

    int watcherCount(WatchStream s) {
        synchronized (lock) {
            return s.watchers.size();
        }
    }

    // ---------------------------------------------------------------- requests

    void refuse(WatchStream s, String reason) {
        synchronized (lock) {
            if (!s.ended) {
                s.enqueueControl(refusal(store.get().currentRevision(), reason));
            }
        }
    }

    void create(WatchStream s, WatchCreateRequest r) {
        byte[] key = r.getKey().isEmpty() ? new byte[] {0} : r.getKey().toByteArray();
        byte[] end;
        if (r.getRangeEnd().isEmpty()) {
            end = null;
        } else if (r.getRangeEnd().size() == 1 && r.getRangeEnd().byteAt(0) == 0) {
            end = new byte[0];
        } else {
            end = r.getRangeEnd().toByteArray();
        }
        boolean noPut = false;
        boolean noDelete = false;
        for (WatchCreateRequest.FilterType f : r.getFiltersList()) {
            noPut |= f == WatchCreateRequest.FilterType.NOPUT;
            noDelete |= f == WatchCreateRequest.FilterType.NODELETE;
        }
        synchronized (lock) {
            if (s.ended) {
                return;
            }
            long rev = store.get().currentRevision();
            if (end != null && end.length > 0 && java.util.Arrays.compareUnsigned(key, end) >= 0) {
                s.enqueueControl(refusal(rev, EMPTY_RANGE));
                return;
            }
            Long chosen = s.chooseId(r.getWatchId());
            if (chosen == null) {
                s.enqueueControl(refusal(rev, DUPLICATE_ID));
                return;
            }
            long id = chosen;
            long start = r.getStartRevision() > 0 ? r.getStartRevision() : published + 1;
            Watcher w = new Watcher(id, s, key, end, r.getPrevKv(), noPut, noDelete, r.getFragment(),
                    r.getProgressNotify(), start);
            s.watchers.put(id, w);
            watcherCount++;
            s.enqueueControl(WatchResponse.newBuilder().setHeader(header(rev)).setWatchId(id).setCreated(true).build());
            if (start > published) {
                addSynced(w);
            } else {
                unsynced.add(w);
                behind = true;
                wake();
            }
        }
    }

    private WatchResponse refusal(long rev, String reason) {
        return WatchResponse.newBuilder().setHeader(header(rev)).setWatchId(-1).setCreated(true).setCanceled(true)
                .setCancelReason(reason).build();
    }

    void cancel(WatchStream s, long id) {
        synchronized (lock) {
            Watcher w = s.watchers.remove(id);
            if (w == null) {
                return; // etcd answers nothing for an unknown id
            }
            watcherCount--;
            w.removed = true;
            detach(w);
            s.enqueueControl(WatchResponse.newBuilder().setHeader(header(store.get().currentRevision()))
                    .setWatchId(id).setCanceled(true).build());
            maybeSendProgress(s);
        }
    }

    /** etcd 3.5: answered once every watcher of the stream is synced, with the revision they have all reached. */
    void requestProgress(WatchStream s) {
        synchronized (lock) {
            s.progressPending = true;
            maybeSendProgress(s);
        }
    }

    void removeStream(WatchStream s) {
        synchronized (lock) {
            s.ended = true;
            for (Watcher w : s.watchers.values()) {
                w.removed = true;
                detach(w);
            }
            watcherCount -= s.watchers.size();
            s.watchers.clear();
            streams.remove(s);
        }
    }

    // ---------------------------------------------------------------- live events

    @Override
    public void committed(List<KvChange> changes, long revision) {
        synchronized (lock) {
            if (!syncedByKey.isEmpty() || !syncedRanges.isEmpty()) {
                Responses out = new Responses(header(revision));
                Map<Watcher, List<KvChange>> matched = new LinkedHashMap<>();
                for (KvChange c : changes) {
                    Set<Watcher> exact = syncedByKey.get(ByteBuffer.wrap(c.key()));
                    if (exact != null) {
                        for (Watcher w : exact) {
                            match(matched, w, c);
                        }
                    }
                    for (Watcher w : syncedRanges) {
                        match(matched, w, c);
                    }
                }
                for (Map.Entry<Watcher, List<KvChange>> m : matched.entrySet()) {
                    Watcher w = m.getKey();
                    List<KvChange> evs = m.getValue();
                    if (w.stream.offerEvents(out.build(w, evs), w.fragment)) {
                        w.nextRev = revision + 1;
                        w.sentSinceTick = true;
                    } else {
                        w.nextRev = evs.get(0).revision();
                        detach(w);
                        unsynced.add(w);
                        behind = true;
                    }
                }
            }
            published = revision;
            if (!unsynced.isEmpty()) {
                wake();
            }
        }
    }

    private static void match(Map<Watcher, List<KvChange>> matched, Watcher w, KvChange c) {
        if (c.revision() >= w.nextRev && w.wants(c)) {
            matched.computeIfAbsent(w, x -> new ArrayList<>()).add(c);
        }
    }

    /** The store was replaced under us: every synced watcher re-reads from where it is. */
    @Override
    public void replaced() {
        synchronized (lock) {
            for (Set<Watcher> ws : syncedByKey.values()) {
                for (Watcher w : ws) {
                    w.synced = false;
                    unsynced.add(w);
                }
            }
            for (Watcher w : syncedRanges) {
                w.synced = false;
                unsynced.add(w);
            }
            syncedByKey.clear();
            syncedRanges.clear();
            behind = !unsynced.isEmpty();
            published = store.get().currentRevision();
        }
        wake();
    }

    /**
     * Builds the event responses of one delivery: the header and each change's event (with and without
     * prev_kv) are made once and shared by every watcher that gets them (messages are immutable).
     */
    private static final class Responses {
        private final io.tern.api.proto.etcdserverpb.ResponseHeader header;
        private final Map<KvChange, Event[]> events = new IdentityHashMap<>();

        Responses(io.tern.api.proto.etcdserverpb.ResponseHeader header) {
            this.header = header;
        }

        WatchResponse build(Watcher w, List<KvChange> changes) {
            WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(header).setWatchId(w.id);
            for (KvChange c : changes) {
                Event[] e = events.computeIfAbsent(c, k -> new Event[2]);
                int i = w.prevKv ? 1 : 0;
                if (e[i] == null) {
                    e[i] = c.toEvent(w.prevKv);
                }
                b.addEvents(e[i]);
            }
            return b.build();
        }
    }

    // ---------------------------------------------------------------- catch-up

    void wake() {
        LockSupport.unpark(catchUp);
    }

    /** A stream drained some of its queue: worth a round if anyone is catching up. */
    void drained() {
        if (behind) {
            LockSupport.unpark(catchUp);
        }
    }

    private void catchUpLoop() {
        while (!closed) {
            LockSupport.parkNanos(IDLE_NANOS);
            if (closed) {
                return;
            }
            try {
                while (catchUpRound()) {
                    // more to read
                }
                progressTick();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "watch catch-up round failed", e);
            }
        }
    }

    /** One round over every unsynced watcher whose stream has room; true when it should run again at once. */
    boolean catchUpRound() {
        KvStore s = store.get();
        List<Watcher> ready = new ArrayList<>();
        long compact = s.compactRevision();
        synchronized (lock) {
            behind = !unsynced.isEmpty();
            for (Watcher w : unsynced) {
                if (w.stream.hasRoom()) {
                    ready.add(w);
                }
            }
            for (java.util.Iterator<Watcher> it = ready.iterator(); it.hasNext(); ) {
                Watcher w = it.next();
                if (w.nextRev < compact) {
                    it.remove();
                    cancelCompacted(w, compact);
                }
            }
        }
        if (ready.isEmpty()) {
            return false;
        }
        long from = Long.MAX_VALUE;
        for (Watcher w : ready) {
            from = Math.min(from, w.nextRev);
        }
        long current = s.currentRevision();
        Map<Watcher, List<KvChange>> matched = new LinkedHashMap<>();
        long[] last = {from - 1};
        long[] read = {0, 0}; // changes, bytes
        boolean[] cut = {false};
        long byteCap = config.streamBufferBytes() / 2;
        try {
            s.changes(from, current, c -> {
                if ((read[0] >= config.catchUpChanges() || read[1] >= byteCap) && c.revision() != last[0]) {
                    cut[0] = true;
                    return false; // stop on a revision boundary
                }
                read[0]++;
                read[1] += c.key().length + c.record().length + (c.prevRecord() == null ? 0 : c.prevRecord().length);
                last[0] = c.revision();
                for (Watcher w : ready) {
                    match(matched, w, c);
                }
                return true;
            });
        } catch (EtcdException e) {
            if (e.error() == EtcdError.COMPACTED) {
                return true; // compaction overtook the read: the next round cancels who needs it
            }
            throw e;
        }
        long reached = cut[0] ? last[0] : current;
        boolean more = false;
        // Built outside the lock: the apply thread must not wait on this.
        Responses out = new Responses(header(current));
        Map<Watcher, WatchResponse> built = new HashMap<>();
        matched.forEach((w, evs) -> built.put(w, out.build(w, evs)));
        synchronized (lock) {
            for (Watcher w : ready) {
                if (w.removed || w.synced) {
                    continue;
                }
                WatchResponse r = built.get(w);
                if (r != null) {
                    if (!w.stream.offerCatchUp(r, w.fragment)) {
                        continue; // stays where it is; retried once its stream has drained
                    }
                    w.sentSinceTick = true;
                }
                w.nextRev = Math.max(w.nextRev, reached + 1);
                if (w.nextRev > published) {
                    unsynced.remove(w);
                    addSynced(w);
                    maybeSendProgress(w.stream);
                } else {
                    more = true;
                }
            }
        }
        return more;
    }

    private void cancelCompacted(Watcher w, long compact) {
        unsynced.remove(w);
        w.removed = true;
        // The id stays taken on the stream until the client cancels it, as in etcd.
        w.stream.enqueueControl(WatchResponse.newBuilder().setHeader(header(store.get().currentRevision()))
                .setWatchId(w.id).setCanceled(true).setCompactRevision(compact)
                .setCancelReason(EtcdError.COMPACTED.message()).build());
    }

    private void progressTick() {
        long now = System.nanoTime();
        if (now - lastProgressNanos < config.progressInterval().toNanos()) {
            return;
        }
        lastProgressNanos = now;
        synchronized (lock) {
            WatchResponse.Builder b = WatchResponse.newBuilder().setHeader(header(published));
            for (Set<Watcher> ws : syncedByKey.values()) {
                ws.forEach(w -> notifyProgress(w, b));
            }
            syncedRanges.forEach(w -> notifyProgress(w, b));
        }
    }

    private static void notifyProgress(Watcher w, WatchResponse.Builder b) {
        if (w.progressNotify && !w.sentSinceTick) {
            w.stream.enqueueControl(b.setWatchId(w.id).build());
        }
        w.sentSinceTick = false;
    }

    // ---------------------------------------------------------------- bookkeeping (lock held)

    private void addSynced(Watcher w) {
        w.synced = true;
        if (w.isSingleKey()) {
            syncedByKey.computeIfAbsent(ByteBuffer.wrap(w.key), k -> new HashSet<>()).add(w);
        } else {
            syncedRanges.add(w);
        }
    }

    /** Takes {@code w} out of whichever group holds it. */
    private void detach(Watcher w) {
        if (w.synced) {
            w.synced = false;
            if (w.isSingleKey()) {
                ByteBuffer k = ByteBuffer.wrap(w.key);
                Set<Watcher> ws = syncedByKey.get(k);
                if (ws != null && ws.remove(w) && ws.isEmpty()) {
                    syncedByKey.remove(k);
                }
            } else {
                syncedRanges.remove(w);
            }
        } else {
            unsynced.remove(w);
        }
    }

    private void maybeSendProgress(WatchStream s) {
        if (!s.progressPending) {
            return;
        }
        for (Watcher w : s.watchers.values()) {
            if (!w.synced && !w.removed) {
                return;
            }
        }
        s.progressPending = false;
        s.enqueueControl(WatchResponse.newBuilder().setHeader(header(published)).setWatchId(-1).build());
    }

    private io.tern.api.proto.etcdserverpb.ResponseHeader header(long revision) {
        return headers.header(revision, term.getAsLong());
    }

    @Override
    public void close() {
        List<WatchStream> all;
        synchronized (lock) {
            closed = true;
            all = new ArrayList<>(streams);
        }
        LockSupport.unpark(catchUp);
        for (WatchStream s : all) {
            s.shutdown();
        }
    }
}
