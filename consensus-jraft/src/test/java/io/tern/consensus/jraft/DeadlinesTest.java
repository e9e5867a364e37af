package io.tern.consensus.jraft;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.spi.consensus.ConsensusException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DeadlinesTest {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    private Deadlines deadlines(long timeoutMillis) {
        return new Deadlines(timeoutMillis,
                () -> new ConsensusException(ConsensusException.Reason.TIMEOUT, "not committed in time"), timer, 10);
    }

    record Case(String name, long completeAfterMillis, boolean timesOut) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(new Case("answered before its deadline", 20, false),
                new Case("never answered", -1, true),
                new Case("already answered when bound", 0, false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aFutureStillPendingAtItsDeadlineFailsWithTheGivenFailure(Case c) throws Exception {
        Deadlines d = deadlines(200);
        CompletableFuture<Object> f = new CompletableFuture<>();
        if (c.completeAfterMillis() == 0) {
            f.complete("done");
        }
        d.bind(f);
        if (c.completeAfterMillis() > 0) {
            timer.schedule(() -> f.complete("done"), c.completeAfterMillis(), TimeUnit.MILLISECONDS);
        }

        Object outcome = f.handle((v, t) -> t == null ? v : t).get(5, TimeUnit.SECONDS);
        if (c.timesOut()) {
            assertThat(outcome).isInstanceOfSatisfying(ConsensusException.class,
                    e -> assertThat(e.reason()).isEqualTo(ConsensusException.Reason.TIMEOUT));
        } else {
            assertThat(outcome).isEqualTo("done");
        }
    }

    @Test
    void aFutureIsNotFailedBeforeItsDeadline() throws Exception {
        Deadlines d = deadlines(400);
        long start = System.nanoTime();
        CompletableFuture<Object> f = d.bind(new CompletableFuture<>());

        Throwable t = f.handle((v, e) -> e).get(5, TimeUnit.SECONDS);
        assertThat(t).isInstanceOf(ConsensusException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(400);
    }

    @Test
    void answeredFuturesAreForgottenBehindAnExpiredOne() throws Exception {
        Deadlines d = deadlines(100);
        CompletableFuture<Object> first = d.bind(new CompletableFuture<>());
        for (int i = 0; i < 1000; i++) {
            d.bind(new CompletableFuture<>()).complete(i);
        }
        first.handle((v, e) -> e).get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 100 && d.pending() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(d.pending()).isZero();
    }
}
