package io.tern.server.robust;

import static io.tern.server.robust.Workload.bytes;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.tern.server.history.RevisionLog;
import io.tern.server.history.WatchEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the revision log a run is judged against: every event under the workload's prefix from revision 1,
 * by a watch with {@code prev_kv}, up to an end marker written after the workload stopped. The marker
 * ({@code <prefix>~end}) is under the prefix, so its event tells the watch it has seen everything before.
 */
final class FinalLog {
    private FinalLog() {
    }

    static RevisionLog read(Client client, String prefix, Duration limit) throws Exception {
        return read(client, prefix, limit, 1);
    }

    /**
     * As {@link #read(Client, String, Duration)}, from revision {@code from}: no key under the prefix may have
     * been written before it, so the log still holds every event of those keys.
     */
    static RevisionLog read(Client client, String prefix, Duration limit, long from) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        long end = markEnd(client, prefix + "~end", deadline);
        List<WatchEvent> events = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        try (Watch.Watcher ignored = client.getWatchClient().watch(bytes(prefix),
                WatchOption.builder().isPrefix(true).withRevision(from).withPrevKV(true).build(),
                Watch.listener(r -> {
                    synchronized (events) {
                        r.getEvents().forEach(e -> events.add(Workload.event(e)));
                        events.notifyAll();
                    }
                }, e -> {
                    synchronized (events) {
                        failure[0] = e;
                        events.notifyAll();
                    }
                }))) {
            synchronized (events) {
                while (events.isEmpty() || events.getLast().revision() < end) {
                    if (failure[0] != null) {
                        throw new AssertionError("the watch reading the revision log failed", failure[0]);
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new AssertionError("the revision log did not reach the end marker at " + end
                                + " within " + limit + "; last event " + (events.isEmpty() ? "none" : events.getLast()));
                    }
                    events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                return RevisionLog.fromWatch(List.copyOf(events), true);
            }
        }
    }

    /** Puts the end marker until a put of it is answered; its revision. */
    private static long markEnd(Client client, String key, long deadline) throws Exception {
        while (true) {
            try {
                return client.getKVClient().put(bytes(key), bytes("end")).get(5, TimeUnit.SECONDS).getHeader()
                        .getRevision();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not write the end marker " + key, e);
                }
                Thread.sleep(200);
            }
        }
    }
}
