package io.tern.server.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.Outcome.Failed;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryRecorderTest {

    private final AtomicLong clock = new AtomicLong();
    private final HistoryRecorder recorder = new HistoryRecorder(() -> clock.addAndGet(10));

    @Test
    void stampsInvocationAndCompletionWithTheClock() {
        HistoryRecorder.Invocation put = recorder.invoke(0, new Put("k", "v"));   // 10
        HistoryRecorder.Invocation get = recorder.invoke(1, new Get("k"));        // 20
        put.ok(Ok.put(2));                                                         // 30
        get.ok(Ok.read(2, "v", 2));                                                // 40
        HistoryRecorder.Invocation refused = recorder.invoke(0, new Put("k", "big")); // 50
        refused.failed("request is too large");                                     // 60

        assertThat(recorder.operations()).containsExactly(
                new Operation(0, 0, 10, 30, new Put("k", "v"), Ok.put(2)),
                new Operation(1, 1, 20, 40, new Get("k"), Ok.read(2, "v", 2)),
                new Operation(2, 0, 50, 60, new Put("k", "big"), new Failed("request is too large")));
    }

    @Test
    void aCallStillInFlightIsIndeterminate() {
        recorder.invoke(0, new Put("k", "v"));                                      // 10
        History h = recorder.history(List.of(), Optional.empty());                   // now 20
        assertThat(h.operations()).containsExactly(new Operation(0, 0, 10, 20, new Put("k", "v"),
                new Indeterminate("not completed when the history was taken")));
    }

    @Test
    void completingTwiceFailsLoudly() {
        HistoryRecorder.Invocation put = recorder.invoke(0, new Put("k", "v"));
        put.indeterminate("timeout");
        assertThatThrownBy(() -> put.ok(Ok.put(2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("#0 put(k, v) completed twice");
    }

    @Test
    void clientThreadsRecordConcurrently() throws InterruptedException {
        HistoryRecorder real = new HistoryRecorder();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int client = c;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 500; i++) {
                    real.invoke(client, new Get("k")).ok(Ok.readAbsent(1));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        List<Operation> ops = real.operations();
        assertThat(ops).hasSize(2_000);
        assertThat(ops).extracting(Operation::id).doesNotHaveDuplicates();
        assertThat(ops).allSatisfy(op -> assertThat(op.completedNanos()).isGreaterThanOrEqualTo(op.invokedNanos()));
        assertThat(HistoryChecker.check(History.of(ops)).isValid()).isTrue();
    }

    @Test
    void operationsRefuseShapesNoRecorderProduces() {
        assertThatThrownBy(() -> new Operation(0, 0, 10, 5, new Get("k"), Ok.readAbsent(1)))
                .hasMessageContaining("completes at 5 before its invocation at 10");
        assertThatThrownBy(() -> new Operation(0, 0, 0, 5, new Put("k", "v"), Ok.read(1, "v", 1)))
                .hasMessageContaining("only a get's result carries a value");
        assertThatThrownBy(() -> new Operation(0, 0, 0, 5, new Put("k", "v"), Ok.compareAndSet(1, false)))
                .hasMessageContaining("answered Ok always succeeds");
        Operation op = new Operation(7, 0, 0, 5, new Get("k"), Ok.readAbsent(1));
        assertThatThrownBy(() -> History.of(List.of(op, op))).hasMessageContaining("operation id 7 appears twice");
    }
}
