package io.tern.storage.mvstore;

import java.time.Duration;
import java.util.function.Supplier;
import org.h2.mvstore.FileStore;

/**
 * The course of an MVStore defragmentation: a series of bounded steps, each run by the engine under its lock,
 * until the file holds little besides live pages, or steps stop gaining ground.
 *
 * <p>A step may rewrite the live pages of the biggest chunk plus {@link #STEP_BYTES}, and move the biggest
 * chunk plus as many bytes. MVStore rewrites and moves whole chunks and, when its candidates exceed the
 * allowance, drops the least promising ones until they fit; without room for the biggest chunk and more, a
 * chunk written by one large commit (many big values in one batch, say) could stay at the end of the file for
 * good, passed over for small ones. Writers wait for one step at most.
 *
 * <p>The run ends when the file is dense (chunks fill {@link #DENSE_PERCENT}% of it and live pages as much of
 * the chunks), after {@link #IDLE_STEPS} steps in a row that neither shrank the file nor lowered its waste
 * below the best seen, or when its budget of steps, set by the file's size at the start, is spent. Writes
 * during the run make waste of their own, so under a steady load the run stops where it cannot keep up
 * rather than going on forever. After a step without gain it pauses a little: reads in flight keep the
 * versions whose chunks the next step would free.
 */
final class Defragmenter {
    /** What a step may rewrite and move besides the biggest chunk. */
    static final long STEP_BYTES = 1024 * 1024;
    /** Steps in a row without gain that end the run. */
    static final int IDLE_STEPS = 10;
    /** The least pause after a step without gain. */
    static final Duration IDLE_PAUSE = Duration.ofMillis(20);
    /** A file whose chunks fill this share of it, and live pages this share of the chunks, is done. */
    static final int DENSE_PERCENT = 90;
    /** A bound on steps, against a store that never settles. */
    static final int MAX_STEPS = 10_000;

    /** One step: rewrite at most about {@code rewriteBytes} of live pages, move {@code moveBytes}. */
    interface Step {
        Fill run(long rewriteBytes, long moveBytes);
    }

    /**
     * How full the file is after a step.
     *
     * @param fileBytes      the file's size
     * @param fillRate       the share of the file's blocks that chunks occupy, in percent
     * @param chunksFillRate the share of the chunks' bytes that live pages hold, in percent
     */
    record Fill(long fileBytes, int fillRate, int chunksFillRate) {
        static Fill of(FileStore<?> file) {
            return new Fill(file.size(), file.getFillRate(), file.getChunksFillRate());
        }

        long wastedBytes() {
            return fileBytes - fileBytes * fillRate / 100 * chunksFillRate / 100;
        }

        boolean dense() {
            return fillRate >= DENSE_PERCENT && chunksFillRate >= DENSE_PERCENT;
        }
    }

    /** How a run went. */
    record Outcome(long beforeBytes, long afterBytes, int steps) {
    }

    private Defragmenter() {
    }

    /**
     * Runs steps until the file is dense, gains stop or the budget is spent. Exceptions of a step end the run
     * and pass unchanged; an interrupt ends it after the current step.
     */
    static Outcome run(Fill start, Supplier<ChunkLayout> layout, Step step) {
        long budget = Math.min(MAX_STEPS, 4 * start.fileBytes() / STEP_BYTES + 32);
        long smallest = start.fileBytes();
        long leastWaste = start.wastedBytes();
        Fill fill = start;
        int idle = 0;
        int steps = 0;
        while (!fill.dense() && steps < budget && idle < IDLE_STEPS && !Thread.currentThread().isInterrupted()) {
            ChunkLayout chunks = layout.get();
            long started = System.nanoTime();
            fill = step.run(allowance(chunks.largestPartlyDeadLiveBytes()), allowance(chunks.largestMovableBytes()));
            long took = System.nanoTime() - started;
            steps++;
            boolean gained = fill.fileBytes() < smallest || fill.wastedBytes() + ChunkLayout.BLOCK_BYTES <= leastWaste;
            smallest = Math.min(smallest, fill.fileBytes());
            leastWaste = Math.min(leastWaste, fill.wastedBytes());
            idle = gained ? 0 : idle + 1;
            pause(Math.max(took, idle > 0 ? IDLE_PAUSE.toNanos() : 0));
        }
        return new Outcome(start.fileBytes(), fill.fileBytes(), steps);
    }

    /** {@link #STEP_BYTES}, or room for a chunk bigger than that and as much again. */
    static long allowance(long biggest) {
        return biggest <= STEP_BYTES ? STEP_BYTES : biggest + STEP_BYTES;
    }

    private static void pause(long nanos) {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
