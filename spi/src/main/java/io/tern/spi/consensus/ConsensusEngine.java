package io.tern.spi.consensus;

import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A replicated log in front of a {@link StateMachine}.
 *
 * <p>Every method is non-blocking. Futures complete on engine threads: callers must not run long work in
 * their continuations. Failures complete futures exceptionally with {@link ConsensusException}.
 */
public interface ConsensusEngine extends AutoCloseable {

    /** Joins or forms the group and starts replaying the log into the state machine. */
    void start();

    /**
     * Appends {@code command} to the log, through the leader when this member is not it. The future
     * completes with the state machine's result for the entry once it is committed and applied: here on
     * the leader, or on the leader and carried back (see {@link StateMachine#encodeResult}), so a
     * linearizable read that follows sees it on any member. Concurrent proposals share log appends, and
     * may share one log entry (see {@link LogEntry}). When no leader is known the call waits for one for up
     * to two election timeouts.
     *
     * @param command non-empty, and not starting with a zero byte (engines may use it to frame entries)
     */
    CompletableFuture<Object> propose(byte[] command);

    /**
     * A linearizable read barrier: completes once the local state machine has applied every entry that
     * was committed when this call was made, so a read that follows sees every write acknowledged before
     * it, on any member. Fails on a member that cannot reach a quorum.
     */
    CompletableFuture<Void> readBarrier();

    /**
     * Completes once the local state machine has applied every entry whose proposal this member has
     * answered (a follower answers with the leader's result before it applies the entry itself), so
     * that a serializable read here sees this member's own acknowledged writes, as on etcd. Completes
     * at once when nothing is pending; never fails: without a barrier in time the read goes ahead on
     * local state.
     */
    default CompletableFuture<Void> acknowledgedBarrier() {
        return CompletableFuture.completedFuture(null);
    }

    /** The current term, cheaply: every response header carries it. */
    default long term() {
        return status().term();
    }

    /** The engine's view of the group now. */
    ConsensusStatus status();

    /** Sends {@code request} to the leader's {@link PeerCalls}, or this member's own when it leads. */
    CompletableFuture<byte[]> callLeader(byte[] request);

    /**
     * Sends {@code request} to the {@link PeerCalls} of the member at {@code address}; works before
     * {@link #start()} too (a member checks its peers before it joins them).
     */
    CompletableFuture<byte[]> callMember(PeerAddress address, byte[] request);

    /** The current configuration. Leader only: elsewhere fails with {@link ConsensusException.Reason#NOT_LEADER}. */
    Membership membership();

    /**
     * The voters the leader has heard from within about an election timeout, the leader included (etcd's
     * "active" members). Leader only: elsewhere fails with {@link ConsensusException.Reason#NOT_LEADER}.
     */
    Set<PeerAddress> activeVoters();

    /**
     * Leader only: makes the configuration {@code target}. A member that becomes a voter must be caught
     * up with the log, else the change fails with {@link ConsensusException.Reason#REJECTED} and the
     * configuration stays as it was. One change runs at a time.
     */
    CompletableFuture<Void> reconfigure(Membership target);

    /** Leader only: hands leadership to the voter at {@code address} and completes once it leads. */
    CompletableFuture<Void> transferLeadership(PeerAddress address);

    @Override
    void close();
}
