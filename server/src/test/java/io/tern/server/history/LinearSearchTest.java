package io.tern.server.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.tern.server.history.Call.CompareAndSet;
import io.tern.server.history.Call.Delete;
import io.tern.server.history.Call.Get;
import io.tern.server.history.Call.Put;
import io.tern.server.history.LinearSearch.Status;
import io.tern.server.history.Outcome.Indeterminate;
import io.tern.server.history.Outcome.Ok;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The search's shortcuts (revision order, dominance, only useful placements of indeterminate calls) must not
 * change its verdict: on small random histories, valid and broken, it agrees with trying every order.
 */
class LinearSearchTest {

    private static final int HISTORIES_PER_SEED = 400;

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 10);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void agreesWithTryingEveryOrder(long seed) {
        Random random = new Random(seed);
        int violations = 0;
        for (int h = 0; h < HISTORIES_PER_SEED; h++) {
            List<Operation> ops = randomHistory(random, 7, 4);
            boolean expected = bruteForce(ops, new ArrayList<>(ops), RegisterState.INITIAL);
            LinearSearch.Result result = LinearSearch.run(ops, 1_000_000);
            assertThat(result.status()).as("history %d of seed %d:%n%s", h, seed, String.join("\n",
                    ops.stream().map(Operation::toString).toList()))
                    .isEqualTo(expected ? Status.LINEARIZABLE : Status.VIOLATION);
            violations += expected ? 0 : 1;
        }
        assertThat(violations).as("both kinds of history are drawn").isBetween(HISTORIES_PER_SEED / 10,
                HISTORIES_PER_SEED * 9 / 10);
    }

    /**
     * Whether some order of {@code remaining} after {@code state} respects real time and the model, where an
     * indeterminate call may also never happen.
     */
    static boolean bruteForce(List<Operation> all, List<Operation> remaining, RegisterState state) {
        if (remaining.stream().allMatch(Operation::isIndeterminate)) {
            return true;
        }
        for (Operation op : List.copyOf(remaining)) {
            boolean minimal = remaining.stream().noneMatch(other -> other.precedes(op));
            if (!minimal) {
                continue;
            }
            remaining.remove(op);
            if (op.isIndeterminate() && bruteForce(all, remaining, state)) {
                remaining.add(op);
                return true;
            }
            RegisterState after = state.after(op);
            boolean found = after != null && bruteForce(all, remaining, after);
            remaining.add(op);
            if (found) {
                return true;
            }
        }
        return false;
    }

    /**
     * Two to {@code maxOps} calls on one key by a simulated store, each taking effect inside its interval, one in
     * {@code indeterminateOneIn} of them indeterminate (taking effect or not); then, for half the histories, one
     * answer is disturbed.
     */
    static List<Operation> randomHistory(Random random, int maxOps, int indeterminateOneIn) {
        int n = 2 + random.nextInt(maxOps - 1);
        record Planned(long start, long point, long end) {
        }
        List<Planned> plan = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long start = random.nextInt(40);
            long point = start + 1 + random.nextInt(15);
            plan.add(new Planned(start, point, point + 1 + random.nextInt(15)));
        }
        List<Integer> byPoint = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byPoint.add(i);
        }
        byPoint.sort((a, b) -> Long.compare(plan.get(a).point(), plan.get(b).point()));
        String value = null;
        long modRevision = 0;
        long revision = 1;
        Operation[] ops = new Operation[n];
        for (int i : byPoint) {
            Planned p = plan.get(i);
            String v = "v" + i;
            Call call = switch (random.nextInt(4)) {
                case 0 -> new Get("k");
                case 1 -> new Put("k", v);
                case 2 -> new CompareAndSet("k", random.nextBoolean() ? value : "v" + random.nextInt(n), v);
                default -> new Delete("k");
            };
            boolean indeterminate = random.nextInt(indeterminateOneIn) == 0;
            boolean applies = !indeterminate || random.nextBoolean();
            Ok ok;
            switch (call) {
                case Get g -> ok = value == null ? Ok.readAbsent(revision) : Ok.read(revision, value, modRevision);
                case Put put -> {
                    if (applies) {
                        value = v;
                        modRevision = ++revision;
                    }
                    ok = Ok.put(revision);
                }
                case CompareAndSet c -> {
                    boolean holds = Objects.equals(c.expected(), value);
                    if (holds && applies) {
                        value = v;
                        modRevision = ++revision;
                    }
                    ok = Ok.compareAndSet(revision, holds);
                }
                case Delete d -> {
                    boolean deletes = value != null;
                    if (deletes && applies) {
                        value = null;
                        modRevision = 0;
                        ++revision;
                    }
                    ok = Ok.delete(revision, deletes);
                }
            }
            Outcome outcome = indeterminate && call.isWrite() ? new Indeterminate("timeout") : ok;
            ops[i] = new Operation(i, i, p.start(), p.end(), call, outcome);
        }
        List<Operation> history = new ArrayList<>(List.of(ops));
        history.removeIf(op -> op.isIndeterminate() && !op.call().isWrite());
        if (random.nextBoolean()) {
            int victim = random.nextInt(history.size());
            history.set(victim, disturbed(history.get(victim), random));
        }
        return history;
    }

    /** The same call with a different answer: another value, revision or success. */
    private static Operation disturbed(Operation op, Random random) {
        Ok ok = op.ok();
        if (ok == null) {
            return op;
        }
        long revision = Math.max(1, ok.revision() + random.nextInt(5) - 2);
        Ok other = switch (op.call()) {
            case Get g -> random.nextBoolean() ? Ok.readAbsent(revision)
                    : Ok.read(revision, "v" + random.nextInt(7), 1 + random.nextInt((int) revision));
            case Put p -> Ok.put(revision);
            case CompareAndSet c -> Ok.compareAndSet(revision, random.nextBoolean());
            case Delete d -> Ok.delete(revision, random.nextBoolean());
        };
        return new Operation(op.id(), op.client(), op.invokedNanos(), op.completedNanos(), op.call(), other);
    }
}
