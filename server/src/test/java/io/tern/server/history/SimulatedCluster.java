package io.tern.server.history;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.Outcome.Failed;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import io.tern.server.history.Watcher.WatchResponse;
import io.tern.server.history.Watcher.WatchStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Generates valid histories: concurrent clients run random operations against a simulated sequential etcd
 * store, each taking effect at one instant inside its real-time interval (the linearization point), in
 * the order of those instants. A few calls time out (taking effect or not, at random) or fail.
 *
 * <p>On request one read lies: it returns a value the key held before a write that completed before the
 * read was invoked, a stale read only the linearizability search can see (its revisions are consistent).
 */
final class SimulatedCluster {

    /**
     * @param indeterminate the share of calls that time out, half of those taking effect
     * @param failed        the share of writes the server refuses
     * @param staleRead     whether one read past the middle returns a stale value
     */
    record Spec(long seed, int clients, int keys, int operations, double indeterminate, double failed,
                boolean staleRead) {
    }

    /** The history, and the injected stale read's id ({@code -1} if none). */
    record Generated(History history, int staleReadId) {
    }

    private record Version(String value, long modRevision, long version, long writerCompleted) {
        static final Version ABSENT = new Version(null, 0, 0, Long.MIN_VALUE);
    }

    private record Next(int client, long start, long point, long end) {
    }

    private final Spec spec;
    private final Random random;
    private final Map<String, List<Version>> versions = new HashMap<>();
    private final List<Operation> operations = new ArrayList<>();
    private final List<WatchEvent> log = new ArrayList<>();
    private long revision = 1;
    private int staleReadId = -1;

    private SimulatedCluster(Spec spec) {
        this.spec = spec;
        this.random = new Random(spec.seed());
    }

    static Generated generate(Spec spec) {
        return new SimulatedCluster(spec).run();
    }

    private Generated run() {
        PriorityQueue<Next> queue = new PriorityQueue<>((a, b) -> Long.compare(a.point(), b.point()));
        for (int c = 0; c < spec.clients(); c++) {
            queue.add(schedule(c, random.nextInt(1_000)));
        }
        long lastEnd = 0;
        while (operations.size() < spec.operations()) {
            Next next = queue.poll();
            long end = step(next);
            lastEnd = Math.max(lastEnd, end);
            queue.add(schedule(next.client(), end + random.nextInt(2_000)));
        }
        long t = lastEnd + 1_000;
        for (int k = 0; k < spec.keys(); k++) {
            String key = key(k);
            Version v = current(key);
            Ok ok = v.value() == null ? Ok.readAbsent(revision) : Ok.read(revision, v.value(), v.modRevision());
            operations.add(new Operation(operations.size(), spec.clients(), t, t + 500, new Get(key), ok));
            t += 1_000;
        }
        RevisionLog revisionLog = RevisionLog.fromWatch(log, true);
        return new Generated(new History(operations, watchers(), Optional.of(revisionLog)), staleReadId);
    }

    private Next schedule(int client, long start) {
        long point = start + 100 + random.nextInt(5_000);
        return new Next(client, start, point, point + 100 + random.nextInt(5_000));
    }

    private static String key(int k) {
        return String.format("key-%02d", k);
    }

    private Version current(String key) {
        List<Version> vs = versions.get(key);
        return vs == null ? Version.ABSENT : vs.getLast();
    }

    /** Runs one call taking effect at {@code next.point()}; returns when the client is done with it. */
    private long step(Next next) {
        int id = operations.size();
        String key = key(random.nextInt(spec.keys()));
        String value = "v" + id;
        int kind = random.nextInt(100);
        Version now = current(key);
        Call call = kind < 40 ? new Get(key)
                : kind < 70 ? new Put(key, value)
                : kind < 85 ? new CompareAndSet(key, expectation(key, now), value)
                : new Delete(key);
        double fate = random.nextDouble();
        if (fate < spec.indeterminate()) {
            if (call.isWrite() && random.nextBoolean()) {
                apply(call, now, Long.MAX_VALUE);
            }
            long gaveUp = next.end() + 10_000;
            operations.add(new Operation(id, next.client(), next.start(), gaveUp, call, new Indeterminate("timeout")));
            return gaveUp;
        }
        if (call.isWrite() && fate < spec.indeterminate() + spec.failed()) {
            operations.add(new Operation(id, next.client(), next.start(), next.end(), call,
                    new Failed("request is too large")));
            return next.end();
        }
        Ok ok = call instanceof Get ? read(key, now, next) : apply(call, now, next.end());
        operations.add(new Operation(id, next.client(), next.start(), next.end(), call, ok));
        return next.end();
    }

    /** Mostly the current value (the compare holds), else an older value or absence. */
    private String expectation(String key, Version now) {
        if (random.nextInt(100) < 60) {
            return now.value();
        }
        List<Version> vs = versions.getOrDefault(key, List.of());
        return vs.isEmpty() ? "never" : vs.get(random.nextInt(vs.size())).value();
    }

    private Ok read(String key, Version now, Next next) {
        Version seen = now;
        if (spec.staleRead() && staleReadId < 0 && operations.size() > spec.operations() / 2) {
            Version stale = staleVersion(key, next.start());
            if (stale != null) {
                seen = stale;
                staleReadId = operations.size();
            }
        }
        return seen.value() == null ? Ok.readAbsent(revision) : Ok.read(revision, seen.value(), seen.modRevision());
    }

    /** A version of the key that a write completed before {@code invoked} replaced with a different value. */
    private Version staleVersion(String key, long invoked) {
        List<Version> vs = versions.getOrDefault(key, List.of());
        for (int i = vs.size() - 1; i > 0; i--) {
            Version replacer = vs.get(i);
            Version replaced = vs.get(i - 1);
            if (replacer.writerCompleted() < invoked && replaced.value() != null
                    && !replaced.value().equals(vs.getLast().value())) {
                return replaced;
            }
        }
        return null;
    }

    /** Applies a write to the store; {@code completed} is when its writer completes (MAX_VALUE: never). */
    private Ok apply(Call call, Version now, long completed) {
        String key = call.key();
        return switch (call) {
            case Put p -> Ok.put(write(key, p.value(), now, completed));
            case CompareAndSet c -> Objects.equals(c.expected(), now.value())
                    ? Ok.compareAndSet(write(key, c.newValue(), now, completed), true)
                    : Ok.compareAndSet(revision, false);
            case Delete d -> now.value() == null ? Ok.delete(revision, false)
                    : Ok.delete(write(key, null, now, completed), true);
            case Get g -> throw new IllegalArgumentException("not a write: " + call);
        };
    }

    private long write(String key, String value, Version now, long completed) {
        revision++;
        Version next = value == null ? new Version(null, 0, 0, completed)
                : new Version(value, revision, now.version() + 1, completed);
        versions.computeIfAbsent(key, k -> new ArrayList<>()).add(next);
        log.add(value == null ? WatchEvent.delete(revision, key, now.value())
                : WatchEvent.put(revision, key, value, now.value(), next.version()));
        return revision;
    }

    /**
     * Two watchers: one of all keys from revision 1 with prev_kv, whose stream breaks halfway and resumes
     * from the next revision; one of a single key from the middle revision, without prev_kv. Responses carry
     * one to three revisions each.
     */
    private List<Watcher> watchers() {
        int half = log.size() / 2;
        long resume = log.isEmpty() ? 1 : log.get(Math.max(0, half - 1)).revision() + 1;
        Watcher all = new Watcher("all keys", KeyRange.all(), true, List.of(
                new WatchStream(1, responses(log.subList(0, half))),
                new WatchStream(half == 0 ? 1 : resume, responses(log.subList(half, log.size())))));
        String key = key(0);
        long middle = log.isEmpty() ? 1 : log.get(half).revision();
        List<WatchEvent> oneKey = log.stream().filter(e -> e.key().equals(key) && e.revision() >= middle)
                .map(WatchEvent::withoutPrevValue).toList();
        Watcher single = new Watcher("one key", KeyRange.single(key), false,
                List.of(new WatchStream(middle, responses(oneKey))));
        return List.of(all, single);
    }

    private List<WatchResponse> responses(List<WatchEvent> events) {
        List<WatchResponse> responses = new ArrayList<>();
        int i = 0;
        while (i < events.size()) {
            int n = Math.min(events.size() - i, 1 + random.nextInt(3));
            responses.add(new WatchResponse(events.subList(i, i + n)));
            i += n;
        }
        return responses;
    }
}
