package io.tern.server.robust;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tern.server.history.Call;
import io.tern.server.history.HistoryRecorder;
import io.tern.server.history.KeyRange;
import io.tern.server.history.Outcome.Ok;
import io.tern.server.history.WatchEvent;
import io.tern.server.history.Watcher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Concurrent jetcd clients on a few keys, recorded for {@link io.tern.server.history.HistoryChecker}: puts,
 * linearizable gets, compare-and-sets and deletes, plus watchers of all the keys from revision 1 (or a
 * later revision before which none of the keys was written) with {@code prev_kv}. Every value written is unique ({@code c<client>-<n>}), so a read names the write it saw.
 *
 * <p>An answer is recorded as ok; a write the server certainly refused before applying it (a bad argument,
 * a permission error) as failed; any other error or a timeout as indeterminate, since the write may have
 * been applied. A failed read is recorded as failed: reads change nothing. jetcd retries a write only when it
 * was never sent, so a recorded write reached the server at most once.
 *
 * @param prefix    every key starts with it, and nothing else in the cluster does
 * @param keys      how many keys the clients share
 * @param clients   client threads, each with its own jetcd client on all endpoints
 * @param watchers  watching clients
 * @param timeout   how long a client waits for one answer before it records the call as indeterminate
 */
public record Workload(String prefix, int keys, int clients, int watchers, Duration timeout) {

    /** Write errors that mean the server refused the request before applying it. */
    private static final Set<Status.Code> REFUSED = Set.of(Status.Code.INVALID_ARGUMENT,
            Status.Code.PERMISSION_DENIED, Status.Code.UNAUTHENTICATED, Status.Code.OUT_OF_RANGE);

    /** What a run recorded. */
    public record Recording(HistoryRecorder recorder, List<Watcher> watchers, int operations) {
    }

    /** A running workload; {@link #stop} ends it and returns what it recorded. */
    public final class Run {
        private final HistoryRecorder recorder = new HistoryRecorder();
        private final List<Thread> threads = new ArrayList<>();
        private final List<Client> jetcd = new ArrayList<>();
        private final List<List<Watcher.WatchResponse>> watched = new ArrayList<>();
        private final List<Watch.Watcher> watches = new ArrayList<>();
        private final long watchFrom;
        private volatile boolean stopping;

        private Run(Supplier<Client> connect, long seed, long watchFrom) {
            this.watchFrom = watchFrom;
            for (int w = 0; w < watchers; w++) {
                Client c = connect.get();
                jetcd.add(c);
                List<Watcher.WatchResponse> responses = new ArrayList<>();
                watched.add(responses);
                watches.add(c.getWatchClient().watch(bytes(prefix), WatchOption.builder().isPrefix(true)
                        .withRevision(watchFrom).withPrevKV(true).build(), r -> {
                            List<WatchEvent> events = r.getEvents().stream().map(Workload::event).toList();
                            if (!events.isEmpty()) {
                                synchronized (responses) {
                                    responses.add(new Watcher.WatchResponse(events));
                                }
                            }
                        }));
            }
            for (int i = 0; i < clients; i++) {
                int id = i;
                Client c = connect.get();
                jetcd.add(c);
                Random random = new Random(seed * 1_000_003L + i);
                Thread t = Thread.ofPlatform().name("workload-" + i).start(() -> drive(id, c.getKVClient(), random));
                threads.add(t);
            }
        }

        private void drive(int client, KV kv, Random random) {
            for (int n = 0; !stopping; n++) {
                String key = prefix + "k" + random.nextInt(keys);
                String value = "c" + client + "-" + n;
                int dice = random.nextInt(100);
                if (dice < 35) {
                    put(client, kv, key, value);
                } else if (dice < 70) {
                    get(client, kv, key);
                } else if (dice < 90) {
                    compareAndSet(client, kv, key, value, random);
                } else {
                    delete(client, kv, key);
                }
            }
        }

        private void put(int client, KV kv, String key, String value) {
            HistoryRecorder.Invocation inv = recorder.invoke(client, new Call.Put(key, value));
            try {
                inv.ok(Ok.put(await(kv.put(bytes(key), bytes(value), PutOption.DEFAULT)).getHeader().getRevision()));
            } catch (Exception e) {
                failWrite(inv, e);
            }
        }

        private void get(int client, KV kv, String key) {
            HistoryRecorder.Invocation inv = recorder.invoke(client, new Call.Get(key));
            try {
                GetResponse r = await(kv.get(bytes(key)));
                long rev = r.getHeader().getRevision();
                inv.ok(r.getKvs().isEmpty() ? Ok.readAbsent(rev)
                        : Ok.read(rev, text(r.getKvs().get(0).getValue()), r.getKvs().get(0).getModRevision()));
            } catch (Exception e) {
                inv.failed(describe(e));
            }
        }

        private void compareAndSet(int client, KV kv, String key, String value, Random random) {
            // Half of them expect a value some client may have written, half expect the key absent.
            String expected = random.nextBoolean() ? null
                    : "c" + random.nextInt(clients) + "-" + Math.max(0, random.nextInt(8));
            HistoryRecorder.Invocation inv = recorder.invoke(client, new Call.CompareAndSet(key, expected, value));
            Cmp cmp = expected == null ? new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.version(0))
                    : new Cmp(bytes(key), Cmp.Op.EQUAL, CmpTarget.value(bytes(expected)));
            try {
                TxnResponse r = await(kv.txn().If(cmp).Then(Op.put(bytes(key), bytes(value), PutOption.DEFAULT))
                        .commit());
                inv.ok(Ok.compareAndSet(r.getHeader().getRevision(), r.isSucceeded()));
            } catch (Exception e) {
                failWrite(inv, e);
            }
        }

        private void delete(int client, KV kv, String key) {
            HistoryRecorder.Invocation inv = recorder.invoke(client, new Call.Delete(key));
            try {
                var r = await(kv.delete(bytes(key)));
                inv.ok(Ok.delete(r.getHeader().getRevision(), r.getDeleted() > 0));
            } catch (Exception e) {
                failWrite(inv, e);
            }
        }

        private <T> T await(CompletableFuture<T> future) throws Exception {
            try {
                return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                throw e;
            }
        }

        private void failWrite(HistoryRecorder.Invocation inv, Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Status.Code code = code(e);
            if (code != null && REFUSED.contains(code)) {
                inv.failed(describe(e));
            } else {
                inv.indeterminate(describe(e));
            }
        }

        /**
         * Ends the run: clients stop after their current call, watchers are closed, every jetcd client is
         * closed (calls still in flight are cancelled, so none lands after the history is taken).
         */
        public Recording stop() throws InterruptedException {
            stopping = true;
            for (Thread t : threads) {
                t.join(timeout.toMillis() + 10_000);
                if (t.isAlive()) {
                    throw new IllegalStateException(t.getName() + " did not stop within its timeout");
                }
            }
            watches.forEach(Watch.Watcher::close);
            jetcd.forEach(Client::close);
            List<Watcher> recorded = new ArrayList<>();
            for (int w = 0; w < watched.size(); w++) {
                List<Watcher.WatchResponse> responses;
                synchronized (watched.get(w)) {
                    responses = List.copyOf(watched.get(w));
                }
                recorded.add(new Watcher("watcher " + w, KeyRange.prefix(prefix), true,
                        List.of(new Watcher.WatchStream(watchFrom, responses))));
            }
            return new Recording(recorder, recorded, recorder.operations().size());
        }
    }

    /** Starts the clients and watchers, each with a client from {@code connect}. */
    public Run start(Supplier<Client> connect, long seed) {
        return new Run(connect, seed, 1);
    }

    /**
     * As {@link #start(Supplier, long)}, with the watchers from {@code watchFrom}: no key under the prefix may
     * have been written before it (the revisions before it may then be compacted).
     */
    public Run start(Supplier<Client> connect, long seed, long watchFrom) {
        return new Run(connect, seed, watchFrom);
    }

    /** A jetcd watch event as the checker's. */
    static WatchEvent event(io.etcd.jetcd.watch.WatchEvent e) {
        KeyValue kv = e.getKeyValue();
        KeyValue prev = e.getPrevKV();
        String prevValue = prev == null || prev.getVersion() == 0 ? null : text(prev.getValue());
        return switch (e.getEventType()) {
            case PUT -> WatchEvent.put(kv.getModRevision(), text(kv.getKey()), text(kv.getValue()), prevValue,
                    kv.getVersion());
            case DELETE -> WatchEvent.delete(kv.getModRevision(), text(kv.getKey()), prevValue);
            case UNRECOGNIZED -> throw new IllegalStateException("an event of no known type: " + kv);
        };
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The gRPC code of a failed call, or null when it carries none (a timeout, say). */
    static Status.Code code(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException s) {
                return s.getStatus().getCode();
            }
            if (t instanceof EtcdException etcd) {
                return Status.Code.valueOf(etcd.getErrorCode().name());
            }
        }
        return null;
    }

    static String describe(Throwable e) {
        Throwable root = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
