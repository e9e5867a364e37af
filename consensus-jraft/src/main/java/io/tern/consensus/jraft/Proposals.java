package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.RaftError;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.PeerAddress;
import io.tern.spi.consensus.StateMachine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Gets proposals into the log from any member. On the leader a proposal is a jraft task whose closure
 * carries the applied result. A follower forwards the command to the leader (batched with others, see
 * {@link Forwarder}), which answers once it has applied the entry, with the result encoded by {@link StateMachine#encodeResult}: the follower answers
 * its caller with it at once. (Waiting for the follower's own apply instead would wait for jraft's next
 * append or heartbeat: unlike etcd's raft, jraft sends none when the commit index moves.)
 *
 * <p>On the leader, proposals (its own and forwarded batches) go to jraft through {@link Packer}, which packs
 * them into shared log entries once the leader is busy.
 *
 * <p>A proposal the leader refused without appending it (it was not leader, or was handing leadership
 * over) is sent again to whoever leads next; one that may have been appended fails instead, since
 * sending it again could apply it twice.
 */
final class Proposals {
    private static final long RETRY_MS = 20;

    private final Supplier<Node> node;
    private final StateMachine stateMachine;
    private final PeerAddress self;
    private final Forwarder forwarder;
    private final Packer packer;
    private final ScheduledExecutorService timer;
    private final long leaderWaitNanos;
    /** The highest log index among the proposals this member answered with the leader's result. */
    private final java.util.concurrent.atomic.AtomicLong acknowledged = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param leaderWaitMillis how long a proposal waits for a leader to be known (or to accept it)
     *                         before it fails with {@link ConsensusException.Reason#NO_LEADER}
     */
    Proposals(Supplier<Node> node, StateMachine stateMachine, PeerAddress self, PeerChannel channel,
              ScheduledExecutorService timer, long leaderWaitMillis) {
        this.node = node;
        this.stateMachine = stateMachine;
        this.self = self;
        this.forwarder = new Forwarder(channel);
        this.packer = new Packer(node);
        this.timer = timer;
        this.leaderWaitNanos = TimeUnit.MILLISECONDS.toNanos(leaderWaitMillis);
    }

    CompletableFuture<Object> propose(byte[] command) {
        if (command.length == 0 || command[0] == Packer.MARK) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a command must be non-empty and not start with 0x00 (got " + command.length + " bytes)"));
        }
        CompletableFuture<Object> f = new CompletableFuture<>();
        submit(command, f, System.nanoTime() + leaderWaitNanos);
        return f;
    }

    /** The highest log index this member answered a proposal for without having applied it itself. */
    long acknowledged() {
        return acknowledged.get();
    }

    /**
     * The leader's side of a batch of forwarded proposals (see {@link ForwardBatch}): one log entry for the
     * batch where the pack limits allow ({@link Packer}), one outcome per proposal.
     */
    CompletableFuture<byte[]> appendForwarded(byte[] batch) {
        List<byte[]> commands = ForwardBatch.commands(batch);
        List<CompletableFuture<ForwardBatch.Outcome>> outcomes = new ArrayList<>();
        List<ProposalClosure.Proposal> proposals = new ArrayList<>();
        for (byte[] command : commands) {
            CompletableFuture<Object> applied = new CompletableFuture<>();
            long[] at = new long[1];
            proposals.add(new ProposalClosure.Proposal(command, (result, index, status) -> {
                if (status.isOk()) {
                    at[0] = index;
                    applied.complete(result);
                } else {
                    applied.completeExceptionally(notAppended(status)
                            ? new ConsensusException(ConsensusException.Reason.NOT_LEADER, status.getErrorMsg())
                            : JRaftConsensusEngine.failure(status));
                }
            }));
            outcomes.add(applied.thenCompose(stateMachine::encodeResult)
                    .thenApply(encoded -> ForwardBatch.Outcome.applied(at[0], encoded))
                    .handle((o, t) -> o != null ? o : ForwardBatch.Outcome.failed(asFailure(t))));
        }
        packer.apply(proposals);
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(v -> ForwardBatch.reply(outcomes.stream().map(CompletableFuture::join).toList()));
    }

    private static ConsensusException asFailure(Throwable t) {
        Throwable c = t.getCause() != null && !(t instanceof ConsensusException) ? t.getCause() : t;
        return c instanceof ConsensusException ce ? ce
                : new ConsensusException(ConsensusException.Reason.TIMEOUT, String.valueOf(c.getMessage()));
    }

    private void submit(byte[] command, CompletableFuture<Object> f, long deadline) {
        if (f.isDone()) {
            return;
        }
        Node n = node.get();
        PeerId leader = n == null ? null : n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            retryOrFail(command, f, deadline);
            return;
        }
        PeerAddress to = new PeerAddress(leader.getIp(), leader.getPort());
        if (to.equals(self)) {
            packer.apply(List.of(new ProposalClosure.Proposal(command, (result, index, status) -> {
                if (status.isOk()) {
                    f.complete(result);
                } else if (notAppended(status)) {
                    retryOrFail(command, f, deadline);
                } else {
                    f.completeExceptionally(JRaftConsensusEngine.failure(status));
                }
            })));
            return;
        }
        forwarder.forward(to, command).whenComplete((outcome, t) -> {
            Throwable failure = t != null ? t : outcome.failure();
            if (failure == null) {
                try {
                    acknowledged.accumulateAndGet(outcome.index(), Math::max);
                    f.complete(stateMachine.decodeResult(outcome.result()));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
                return;
            }
            ConsensusException c = asFailure(failure);
            if (c.reason() == ConsensusException.Reason.NOT_LEADER || c.reason() == ConsensusException.Reason.UNREACHABLE) {
                // Not appended: the leader refused it, or no connection could be made to send it.
                retryOrFail(command, f, deadline);
            } else {
                f.completeExceptionally(c);
            }
        });
    }

    private void retryOrFail(byte[] command, CompletableFuture<Object> f, long deadline) {
        if (System.nanoTime() - deadline > 0) {
            f.completeExceptionally(new ConsensusException(ConsensusException.Reason.NO_LEADER, "no leader"));
            return;
        }
        timer.schedule(() -> submit(command, f, deadline), RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** jraft refused the task before appending it, so it can safely be sent again. */
    private static boolean notAppended(Status status) {
        RaftError e = status.getRaftError();
        String msg = status.getErrorMsg() == null ? "" : status.getErrorMsg();
        return (e == RaftError.EPERM && msg.startsWith("Is not leader"))
                || (e == RaftError.EBUSY && msg.startsWith("Is transferring leadership"));
    }
}
