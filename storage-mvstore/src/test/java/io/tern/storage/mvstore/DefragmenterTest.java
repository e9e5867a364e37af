package io.tern.storage.mvstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.storage.mvstore.Defragmenter.Fill;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DefragmenterTest {
    private static final long MIB = 1024 * 1024;
    /** A file of 16 MiB, a tenth of it live. */
    private static final Fill SPARSE = new Fill(16 * MIB, 50, 20);
    /** The step budget of {@link #SPARSE}: four times its size in steps, and 32 more. */
    private static final int SPARSE_BUDGET = 4 * 16 + 32;
    private static final Fill DENSE = new Fill(2 * MIB, 95, 92);

    /**
     * A run from {@code start}, whose step {@code i} (from 0) leaves the file as {@code after} says; it ends
     * after {@code steps} steps.
     */
    record Run(String name, Fill start, IntFunction<Fill> after, int steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Run> runs() {
        return Stream.of(
                new Run("a dense file is left alone", DENSE, i -> DENSE, 0),
                new Run("the run ends once the file is dense", SPARSE, i -> i < 2 ? shrunk(i + 1) : DENSE, 3),
                new Run("steps without gain end the run", SPARSE, i -> SPARSE, Defragmenter.IDLE_STEPS),
                new Run("a smaller file is a gain", SPARSE,
                        i -> i == 5 ? shrunk(1) : i > 5 ? shrunk(1) : SPARSE, 6 + Defragmenter.IDLE_STEPS),
                new Run("less waste in a file of the same size is a gain", SPARSE,
                        i -> i == 3 ? new Fill(16 * MIB, 50, 40) : i > 3 ? new Fill(16 * MIB, 50, 40) : SPARSE,
                        4 + Defragmenter.IDLE_STEPS),
                new Run("a gain is measured against the best so far, not the last step", SPARSE,
                        i -> i % 2 == 0 ? shrunk(1) : SPARSE, 1 + Defragmenter.IDLE_STEPS),
                // 100 blocks: one more percent of live chunk bytes is 2,048 bytes less waste.
                new Run("less than a block less waste is no gain", new Fill(409_600, 50, 20),
                        i -> new Fill(409_600, 50, 21), Defragmenter.IDLE_STEPS),
                new Run("a file that keeps gaining stops at the budget", SPARSE,
                        i -> new Fill(16 * MIB - 65536L * (i + 1), 50, 20), SPARSE_BUDGET));
    }

    /** {@link #SPARSE} after {@code mib} MiB were cut off its end. */
    private static Fill shrunk(int mib) {
        return new Fill((16 - mib) * MIB, 50, 20);
    }

    @ParameterizedTest
    @MethodSource("runs")
    void aRunEndsWhenTheFileIsDenseGainsStopOrTheBudgetIsSpent(Run run) {
        List<Fill> seen = new ArrayList<>();
        Defragmenter.Outcome outcome = Defragmenter.run(run.start(), () -> new ChunkLayout(0, 0), (rewrite, move) -> {
            Fill f = run.after().apply(seen.size());
            seen.add(f);
            return f;
        });
        assertThat(outcome.steps()).isEqualTo(run.steps()).isEqualTo(seen.size());
        assertThat(outcome.beforeBytes()).isEqualTo(run.start().fileBytes());
        assertThat(outcome.afterBytes()).isEqualTo(seen.isEmpty() ? run.start().fileBytes() : seen.getLast().fileBytes());
    }

    record Allowance(String name, ChunkLayout layout, long rewrite, long move) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Allowance> allowances() {
        long step = Defragmenter.STEP_BYTES;
        return Stream.of(
                new Allowance("small chunks: one step's bytes", new ChunkLayout(step / 2, step), step, step),
                new Allowance("a bigger chunk: room for it and a step more", new ChunkLayout(3 * step, 5 * step),
                        4 * step, 6 * step),
                new Allowance("no chunks at all", new ChunkLayout(0, 0), step, step));
    }

    /** MVStore passes over a chunk bigger than the allowance; a step must have room for the biggest. */
    @ParameterizedTest
    @MethodSource("allowances")
    void aStepMayRewriteAndMoveTheBiggestChunkAndAStepMore(Allowance a) {
        List<long[]> asked = new ArrayList<>();
        Defragmenter.run(SPARSE, a::layout, (rewrite, move) -> {
            asked.add(new long[] {rewrite, move});
            return DENSE;
        });
        assertThat(asked).singleElement().satisfies(x -> assertThat(x).containsExactly(a.rewrite(), a.move()));
    }

    @Test
    void anInterruptEndsTheRunAfterTheCurrentStep() {
        List<Fill> seen = new ArrayList<>();
        try {
            Defragmenter.Outcome outcome = Defragmenter.run(SPARSE, () -> new ChunkLayout(0, 0), (rewrite, move) -> {
                Thread.currentThread().interrupt();
                seen.add(shrunk(1));
                return shrunk(1);
            });
            assertThat(outcome.steps()).isEqualTo(1);
            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aFailingStepEndsTheRunWithItsException() {
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> Defragmenter.run(SPARSE, () -> new ChunkLayout(0, 0), (rewrite, move) -> {
            throw boom;
        })).isSameAs(boom);
    }

    record Waste(Fill fill, long wasted, boolean dense) {
    }

    static Stream<Waste> wastes() {
        return Stream.of(
                new Waste(new Fill(100 * MIB, 100, 100), 0, true),
                new Waste(new Fill(100 * MIB, 50, 100), 50 * MIB, false),
                new Waste(new Fill(100 * MIB, 100, 50), 50 * MIB, false),
                new Waste(new Fill(100 * MIB, 50, 50), 75 * MIB, false),
                new Waste(new Fill(100 * MIB, 90, 90), 100 * MIB - 100 * MIB * 90 / 100 * 90 / 100, true),
                new Waste(new Fill(100 * MIB, 89, 100), 11 * MIB, false));
    }

    @ParameterizedTest
    @MethodSource("wastes")
    void wasteIsWhatNeitherChunksNorLivePagesHold(Waste w) {
        assertThat(w.fill().wastedBytes()).isEqualTo(w.wasted());
        assertThat(w.fill().dense()).isEqualTo(w.dense());
    }
}
