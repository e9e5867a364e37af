package io.tern.api.maintenance;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * etcd's automatic compaction ({@code --auto-compaction-mode}, {@code --auto-compaction-retention}), run by
 * the leader only.
 * <ul>
 *   <li>Periodic, retention {@code P}: the revision is sampled every tenth of {@code min(P, 1h)}; once
 *       {@code P} has passed since the start (or since the last compaction, then every {@code min(P, 1h)}),
 *       the store is compacted to the oldest sample, the revision of about {@code P} ago.</li>
 *   <li>Revision, retention {@code N}: every {@link Settings#revisionInterval} (etcd: five minutes), the
 *       store is compacted to the current revision minus {@code N}, unless that did not move.</li>
 * </ul>
 * A compaction that fails is tried again at the next tick; "already compacted" counts as done.
 */
public final class AutoCompactor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AutoCompactor.class.getName());
    private static final Duration HOUR = Duration.ofHours(1);

    public enum Mode { PERIODIC, REVISION }

    /**
     * @param mode             periodic or revision
     * @param period           periodic mode: how long history is kept; zero disables
     * @param revisions        revision mode: how many revisions are kept; zero disables
     * @param revisionInterval revision mode: how often the compactor looks
     */
    public record Settings(Mode mode, Duration period, long revisions, Duration revisionInterval) {
        public static final Settings OFF = new Settings(Mode.PERIODIC, Duration.ZERO, 0, Duration.ofMinutes(5));

        public Settings {
            if (period.isNegative() || revisions < 0) {
                throw new IllegalArgumentException("--auto-compaction-retention must not be negative");
            }
        }

        public boolean enabled() {
            return mode == Mode.PERIODIC ? !period.isZero() : revisions > 0;
        }
    }

    private final Settings settings;
    private final BooleanSupplier leader;
    private final LongSupplier revision;
    private final LongConsumer compact;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tern-auto-compaction");
        t.setDaemon(true);
        return t;
    });
    // Touched by the timer thread only.
    private final Deque<Long> samples = new ArrayDeque<>();
    private long lastCompactionNanos;
    private Duration wait;
    private long lastRevision;

    /**
     * @param compact proposes a compaction to the revision and waits for it; throws when it failed
     */
    public AutoCompactor(Settings settings, BooleanSupplier leader, LongSupplier revision, LongConsumer compact) {
        this.settings = settings;
        this.leader = leader;
        this.revision = revision;
        this.compact = compact;
        this.wait = settings.period();
    }

    public void start() {
        if (!settings.enabled()) {
            return;
        }
        lastCompactionNanos = System.nanoTime();
        if (settings.mode() == Mode.PERIODIC) {
            samples.add(revision.getAsLong());
        }
        long tick = (settings.mode() == Mode.PERIODIC ? tick(settings.period()) : settings.revisionInterval()).toMillis();
        timer.scheduleWithFixedDelay(this::safeTick, tick, Math.max(1, tick), TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "auto compaction: {0}", settings);
    }

    private static Duration tick(Duration period) {
        return (period.compareTo(HOUR) > 0 ? HOUR : period).dividedBy(10);
    }

    private void safeTick() {
        try {
            if (settings.mode() == Mode.PERIODIC) {
                periodicTick();
            } else {
                revisionTick();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "auto compaction failed; trying again later: " + e.getMessage());
        }
    }

    private void periodicTick() {
        int keep = (int) (settings.period().toMillis() / Math.max(1, tick(settings.period()).toMillis())) + 1;
        samples.add(revision.getAsLong());
        while (samples.size() > keep) {
            samples.removeFirst();
        }
        if (!leader.getAsBoolean() || System.nanoTime() - lastCompactionNanos < wait.toNanos()) {
            return;
        }
        long rev = samples.getFirst();
        compact.accept(rev);
        lastCompactionNanos = System.nanoTime();
        wait = settings.period().compareTo(HOUR) > 0 ? HOUR : settings.period();
        LOG.log(System.Logger.Level.INFO, "auto compaction to revision {0} done", rev);
    }

    private void revisionTick() {
        if (!leader.getAsBoolean()) {
            return;
        }
        long rev = revision.getAsLong() - settings.revisions();
        if (rev <= 0 || rev == lastRevision) {
            return;
        }
        compact.accept(rev);
        lastRevision = rev;
        LOG.log(System.Logger.Level.INFO, "auto compaction to revision {0} done", rev);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
