package io.tern.server.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Whether one key's operations are linearizable: Wing and Gong's search as Lowe improved it (and Porcupine
 * implements it), a depth-first search over the operations that may take effect next.
 *
 * <p>The operations that completed form a list of entries, one at each invocation and one at each completion,
 * in time order (at equal times invocations first, so touching intervals count as concurrent). An operation
 * may be linearized next if its invocation comes before the first completion still in the list: no pending
 * operation ended before it began. Linearizing an operation lifts both its entries out of the list; when no
 * candidate fits, the operation of that first completion can no longer be linearized and the search
 * backtracks. The candidates are tried in the order of the revisions their answers carry (a write at r, then
 * reads served at r, then a write at r + 1), the order the model enforces, so a valid history rarely
 * backtracks at all.
 *
 * <p>Indeterminate operations never complete. They sit in a second list of invocations and are candidates
 * whenever invoked before that first completion. They are tried only after every completed candidate failed:
 * an indeterminate write is placed only where nothing definite fits, which is where some read needs it. The
 * search succeeds once every completed operation is linearized; the indeterminate ones left over go last,
 * where they change nothing anyone saw (they "never took effect").
 *
 * <p>Two facts about indeterminate operations keep them from multiplying the search:
 * <ul>
 *   <li>Only useful placements. If an indeterminate operation is directly followed by a blind write (a put,
 *       or an indeterminate delete, which end in the same value whatever came before), moving it to the end
 *       leaves a linearization that is still valid: the state after the blind write differs at most by a
 *       lower floor, which permits more. So some valid linearization, if any exists, follows every placed
 *       indeterminate operation by an operation that depends on its state, and the search only places one
 *       where such a candidate accepts the state it leaves.</li>
 *   <li>Dominance. A configuration is the set D of completed operations linearized, the state, and the set J
 *       of indeterminate operations linearized. It can do no more than one with the same D and value, a floor
 *       (and unknown revision bound) no higher, and a subset of J: every transition permits more from a
 *       lower floor, and the extra indeterminate operations can still go last. A cache of explored
 *       configurations skips every configuration so dominated, which also keeps the search from exploring
 *       one twice. D is stored as the length of its fully linearized prefix (operations sorted by
 *       invocation) and the few operations linearized beyond it.</li>
 * </ul>
 *
 * <p>Cost: in the worst case exponential in the number of operations concurrent at one moment; with the
 * revision-ordered model most choices are refused at once. Each candidate tried and each backtrack is a
 * step, and an exhausted step budget yields {@link Status#UNKNOWN}.
 */
final class LinearSearch {

    enum Status { LINEARIZABLE, VIOLATION, UNKNOWN }

    /**
     * The deepest point the search got stuck at.
     *
     * @param linearized how many operations were linearized there
     * @param state      the key's state after them
     * @param blocked    the operation whose completion was reached without it being linearized
     * @param lastWriter the linearized operation that wrote {@code state}'s value, or {@code null}
     * @param pending    the operations that could have gone next, every one tried and refused
     */
    record DeadEnd(int linearized, RegisterState state, Operation blocked, Operation lastWriter,
                   List<Operation> pending) {
    }

    /** The verdict; {@code deadEnd} is set for a violation (and may be for an unknown). */
    record Result(Status status, long steps, DeadEnd deadEnd) {
    }

    /**
     * The completed operations linearized (all below {@code prefix}, and {@code beyond} offset from it), and
     * the key's value and mod revision ({@code UNKNOWN_REVISION} for any unknown one).
     */
    private record Explored(int prefix, BitSet beyond, String value, long modRevision) {
    }

    /** The rest of an explored configuration: what dominance compares. */
    private record Visit(long floor, long revisionBound, BitSet indeterminate) {
    }

    private static final long UNKNOWN_REVISION = Long.MIN_VALUE;

    private static final int NONE = -1;

    /** The completed operations, by invocation; entry 2i is {@code definite[i]}'s invocation, 2i+1 its completion. */
    private final Operation[] definite;
    private final int[] next;
    private final int[] prev;
    private final int head;
    /** The indeterminate operations, by invocation; entry i is {@code indeterminate[i]}'s invocation. */
    private final Operation[] indeterminate;
    private final int[] inext;
    private final int[] iprev;
    private final int ihead;
    /** Per completed operation, the order its revision imposes: 2r for a write at r, 2r + 1 for a read at r. */
    private final long[] revisionOrder;

    private LinearSearch(List<Operation> operations) {
        Comparator<Operation> byInvocation = Comparator.comparingLong(Operation::invokedNanos)
                .thenComparingInt(Operation::id);
        this.definite = operations.stream().filter(op -> !op.isIndeterminate()).sorted(byInvocation)
                .toArray(Operation[]::new);
        this.indeterminate = operations.stream().filter(Operation::isIndeterminate).sorted(byInvocation)
                .toArray(Operation[]::new);
        int d = definite.length;
        this.head = 2 * d;
        this.next = new int[2 * d + 1];
        this.prev = new int[2 * d + 1];
        Integer[] order = new Integer[2 * d];
        for (int e = 0; e < 2 * d; e++) {
            order[e] = e;
        }
        Arrays.sort(order, Comparator.<Integer>comparingLong(this::time)
                .thenComparingInt(e -> e & 1)
                .thenComparingInt(e -> e));
        link(Arrays.stream(order).mapToInt(Integer::intValue).toArray(), head, next, prev);
        int k = indeterminate.length;
        this.ihead = k;
        this.inext = new int[k + 1];
        this.iprev = new int[k + 1];
        int[] iorder = new int[k];
        Arrays.setAll(iorder, i -> i);
        link(iorder, ihead, inext, iprev);
        this.revisionOrder = new long[d];
        for (int i = 0; i < d; i++) {
            long r = definite[i].ok().revision();
            revisionOrder[i] = definite[i].createdRevision() ? 2 * r : 2 * r + 1;
        }
    }

    private static void link(int[] order, int head, int[] next, int[] prev) {
        int last = head;
        for (int e : order) {
            next[last] = e;
            prev[e] = last;
            last = e;
        }
        next[last] = NONE;
    }

    /** Searches for a linearization of {@code operations} (all of one key) in at most {@code budget} steps. */
    static Result run(List<Operation> operations, long budget) {
        return new LinearSearch(operations).search(budget);
    }

    private long time(int entry) {
        Operation op = definite[entry >> 1];
        return (entry & 1) == 0 ? op.invokedNanos() : op.completedNanos();
    }

    /**
     * One level of the search: the state reached, the candidates to try from it, and which was taken.
     * Completed candidates are tried first, in revision order; then the indeterminate ones in invocation order.
     */
    private final class Frame {
        RegisterState state;
        /** The first completion entry still in the list: the barrier no candidate may be invoked after. */
        int completion;
        /** Completed candidates' invocation entries, by the revision their answers carry. */
        int[] candidates;
        int next;
        boolean secondPass;
        /** The next indeterminate entry to try in the second pass. */
        int nextIndeterminate;
        /** The entry linearized to reach the frame above, and whether it is indeterminate. */
        int chosen;
        boolean chosenIndeterminate;
        /** The linearized operation that wrote {@code state}'s value, or null. */
        Operation writer;

        void enter(RegisterState reached, Operation lastWriter) {
            state = reached;
            writer = lastWriter;
            int count = 0;
            int e = LinearSearch.this.next[head];
            for (; (e & 1) == 0; e = LinearSearch.this.next[e]) {
                count++;
            }
            completion = e;
            candidates = new int[count];
            count = 0;
            for (e = LinearSearch.this.next[head]; e != completion; e = LinearSearch.this.next[e]) {
                candidates[count++] = e;
            }
            for (int i = 1; i < count; i++) { // insertion sort: a handful of concurrent candidates
                int c = candidates[i];
                int j = i - 1;
                for (; j >= 0 && revisionOrder[candidates[j] >> 1] > revisionOrder[c >> 1]; j--) {
                    candidates[j + 1] = candidates[j];
                }
                candidates[j + 1] = c;
            }
            next = 0;
            secondPass = false;
            nextIndeterminate = inext[ihead];
        }
    }

    private Result search(long budget) {
        int d = definite.length;
        Frame[] frames = new Frame[d + indeterminate.length + 1];
        BitSet linearized = new BitSet(d);
        BitSet linearizedIndeterminate = new BitSet(indeterminate.length);
        Map<Explored, List<Visit>> explored = new HashMap<>();
        DeadEnd deepest = null;
        int depth = 0;
        long steps = 0;
        frames[0] = new Frame();
        frames[0].enter(RegisterState.INITIAL, null);
        while (next[head] != NONE) {
            if (steps++ >= budget) {
                return new Result(Status.UNKNOWN, budget, deepest);
            }
            Frame f = frames[depth];
            boolean afterIndeterminate = depth > 0 && frames[depth - 1].chosenIndeterminate;
            int entry = NONE;
            Operation op = null;
            if (!f.secondPass && f.next < f.candidates.length) {
                entry = f.candidates[f.next++];
                op = definite[entry >> 1];
            } else {
                f.secondPass = true;
                int i = f.nextIndeterminate;
                if (i != NONE && indeterminate[i].invokedNanos() <= time(f.completion)) {
                    entry = i;
                    op = indeterminate[i];
                    f.nextIndeterminate = inext[i];
                }
            }
            if (op != null) {
                RegisterState after = afterIndeterminate && isBlind(op) ? null : f.state.after(op);
                if (after != null && f.secondPass
                        && (after == f.state || !enablesACandidate(after, entry, f.completion))) {
                    after = null; // changes nothing, or nothing that could follow it needs what it does
                }
                if (after == null) {
                    continue;
                }
                BitSet set = f.secondPass ? linearizedIndeterminate : linearized;
                int bit = f.secondPass ? entry : entry >> 1;
                set.set(bit);
                if (!firstVisit(explored, linearized, linearizedIndeterminate, after)) {
                    set.clear(bit);
                    continue;
                }
                f.chosen = entry;
                f.chosenIndeterminate = f.secondPass;
                if (f.secondPass) {
                    unlink(entry, inext, iprev);
                } else {
                    lift(entry);
                }
                depth++;
                if (frames[depth] == null) {
                    frames[depth] = new Frame();
                }
                frames[depth].enter(after, wrote(op, f.state, after) ? op : f.writer);
                continue;
            }
            // every candidate failed: the operation completing at f.completion cannot be linearized here
            if (deepest == null || depth > deepest.linearized()) {
                deepest = deadEnd(depth, f.state, f.completion, f.writer);
            }
            if (depth == 0) {
                return new Result(Status.VIOLATION, steps, deepest);
            }
            depth--;
            Frame parent = frames[depth];
            if (parent.chosenIndeterminate) {
                linearizedIndeterminate.clear(parent.chosen);
                relink(parent.chosen, inext, iprev);
            } else {
                linearized.clear(parent.chosen >> 1);
                unlift(parent.chosen);
            }
        }
        return new Result(Status.LINEARIZABLE, steps, null);
    }

    /**
     * Records the configuration and answers whether it is new: not dominated by an explored one, which has
     * the same completed set and value, a floor and unknown-revision bound no higher, and a subset of its
     * indeterminate set.
     */
    private static boolean firstVisit(Map<Explored, List<Visit>> explored, BitSet linearized,
                                      BitSet linearizedIndeterminate, RegisterState state) {
        int prefix = linearized.nextClearBit(0);
        boolean unknown = state.modRevision() < 0;
        Explored key = new Explored(prefix, linearized.get(prefix, Math.max(prefix, linearized.length())),
                state.value(), unknown ? UNKNOWN_REVISION : state.modRevision());
        long bound = unknown ? -state.modRevision() : 0;
        List<Visit> seen = explored.computeIfAbsent(key, k -> new ArrayList<>(1));
        for (Visit v : seen) {
            if (v.floor() <= state.floor() && v.revisionBound() <= bound
                    && isSubset(v.indeterminate(), linearizedIndeterminate)) {
                return false;
            }
        }
        seen.add(new Visit(state.floor(), bound, (BitSet) linearizedIndeterminate.clone()));
        return true;
    }

    /**
     * Whether {@code op} ends in the same value whatever the state before it: a put, or an indeterminate
     * delete (an acknowledged delete that deleted needed a value to delete). Nothing gains from following an
     * indeterminate operation with one.
     */
    private static boolean isBlind(Operation op) {
        return op.call() instanceof Call.Put || (op.isIndeterminate() && op.call() instanceof Call.Delete);
    }

    /**
     * Whether some candidate that depends on the state accepts {@code state} (and, if indeterminate, changes
     * it): the test the indeterminate operation {@code self}, which leaves {@code state}, must pass to be
     * placed now (see the class comment).
     */
    private boolean enablesACandidate(RegisterState state, int self, int completion) {
        for (int e = next[head]; e != completion; e = next[e]) {
            if ((e & 1) == 0 && !isBlind(definite[e >> 1]) && state.after(definite[e >> 1]) != null) {
                return true;
            }
        }
        for (int i = inext[ihead]; i != NONE && indeterminate[i].invokedNanos() <= time(completion); i = inext[i]) {
            if (i != self && !isBlind(indeterminate[i]) && state.after(indeterminate[i]) != state) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSubset(BitSet a, BitSet b) {
        for (int i = a.nextSetBit(0); i >= 0; i = a.nextSetBit(i + 1)) {
            if (!b.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean wrote(Operation op, RegisterState before, RegisterState after) {
        return op.call().isWrite()
                && (!Objects.equals(before.value(), after.value()) || before.modRevision() != after.modRevision());
    }

    private DeadEnd deadEnd(int depth, RegisterState state, int completion, Operation writer) {
        List<Operation> pending = new ArrayList<>();
        for (int e = next[head]; e != completion; e = next[e]) {
            if ((e & 1) == 0) {
                pending.add(definite[e >> 1]);
            }
        }
        for (int i = inext[ihead]; i != NONE && indeterminate[i].invokedNanos() <= time(completion); i = inext[i]) {
            pending.add(indeterminate[i]);
        }
        return new DeadEnd(depth, state, definite[completion >> 1], writer, pending);
    }

    /** Removes a completed operation's invocation and completion entries from the list. */
    private void lift(int call) {
        unlink(call, next, prev);
        unlink(call + 1, next, prev);
    }

    /** Puts back what {@link #lift} removed; lifts must be undone in reverse order. */
    private void unlift(int call) {
        relink(call + 1, next, prev);
        relink(call, next, prev);
    }

    private static void unlink(int e, int[] next, int[] prev) {
        next[prev[e]] = next[e];
        if (next[e] != NONE) {
            prev[next[e]] = prev[e];
        }
    }

    private static void relink(int e, int[] next, int[] prev) {
        next[prev[e]] = e;
        if (next[e] != NONE) {
            prev[next[e]] = e;
        }
    }
}
