package io.tern.server.history;

import io.tern.server.history.Outcome.Failed;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Records operations as clients run them, stamping each with one monotonic clock. Thread-safe: any number of
 * client threads may record at once.
 *
 * <pre>{@code
 * HistoryRecorder.Invocation inv = recorder.invoke(client, new Call.Put(key, value));
 * try {
 *     PutResponse r = kv.put(bytes(key), bytes(value)).get(5, SECONDS);
 *     inv.ok(Outcome.Ok.put(r.getHeader().getRevision()));
 * } catch (TimeoutException | ExecutionException e) {
 *     inv.indeterminate(e.toString());       // or inv.failed(...) when the server surely refused it
 * }
 * }</pre>
 *
 * <p>Stamp the invocation just before sending and complete just after the answer arrives: the interval must
 * contain the moment the server acted, so the recorder reads its clock inside {@code invoke} and the
 * completion methods.
 */
public final class HistoryRecorder {

    private final LongSupplier clock;
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Invocation> invocations = new ArrayList<>();

    /** Stamps with {@link System#nanoTime()}. */
    public HistoryRecorder() {
        this(System::nanoTime);
    }

    /** Stamps with {@code clock}, which must be monotonic. */
    public HistoryRecorder(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Records that {@code client} sends {@code call} now; complete the result exactly once. */
    public Invocation invoke(int client, Call call) {
        Invocation inv = new Invocation(ids.getAndIncrement(), client, call, clock.getAsLong());
        synchronized (invocations) {
            invocations.add(inv);
        }
        return inv;
    }

    /**
     * The operations so far, in invocation order. A call not completed yet counts as indeterminate (it may
     * still take effect), completing now.
     */
    public List<Operation> operations() {
        List<Invocation> all;
        synchronized (invocations) {
            all = new ArrayList<>(invocations);
        }
        long now = clock.getAsLong();
        return all.stream()
                .map(inv -> inv.toOperation(now))
                .sorted(Comparator.comparingLong(Operation::invokedNanos).thenComparingInt(Operation::id))
                .toList();
    }

    /** The history of the operations so far, with the watchers' observations and optionally the log. */
    public History history(List<Watcher> watchers, Optional<RevisionLog> revisionLog) {
        return new History(operations(), watchers, revisionLog);
    }

    /** One call in flight. */
    public final class Invocation {
        private final int id;
        private final int client;
        private final Call call;
        private final long invoked;
        private final AtomicReference<Operation> completed = new AtomicReference<>();

        private Invocation(int id, int client, Call call, long invoked) {
            this.id = id;
            this.client = client;
            this.call = Objects.requireNonNull(call, "call");
            this.invoked = invoked;
        }

        /** The server answered; build {@code result} with the factory for the call ({@link Ok#put} ...). */
        public void ok(Ok result) {
            complete(result);
        }

        /** The call certainly did not take effect (the server refused it before applying anything). */
        public void failed(String reason) {
            complete(new Failed(reason));
        }

        /** The call may or may not have taken effect (a timeout, a lost connection). */
        public void indeterminate(String reason) {
            complete(new Indeterminate(reason));
        }

        private void complete(Outcome outcome) {
            Operation op = new Operation(id, client, invoked, clock.getAsLong(), call, outcome);
            if (!completed.compareAndSet(null, op)) {
                throw new IllegalStateException("#" + id + " " + call + " completed twice: " + completed.get()
                        + ", then " + outcome);
            }
        }

        private Operation toOperation(long now) {
            Operation op = completed.get();
            return op != null ? op
                    : new Operation(id, client, invoked, Math.max(now, invoked), call,
                            new Indeterminate("not completed when the history was taken"));
        }
    }
}
