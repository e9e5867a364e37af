package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.PeerAddress;
import io.tern.spi.consensus.StateMachine;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Gets proposals into the log from any member. On the leader a proposal is a jraft task whose closure
 * carries the applied result. A follower forwards the command to the leader, which answers once it has
 * applied the entry, with the result encoded by {@link StateMachine#encodeResult}: the follower answers
 * its caller with it at once. (Waiting for the follower's own apply instead would wait for jraft's next
 * append or heartbeat: unlike etcd's raft, jraft sends none when the commit index moves.)
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
    private final PeerChannel channel;
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
        this.channel = channel;
        this.timer = timer;
        this.leaderWaitNanos = TimeUnit.MILLISECONDS.toNanos(leaderWaitMillis);
    }

    CompletableFuture<Object> propose(byte[] command) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        submit(command, f, System.nanoTime() + leaderWaitNanos);
        return f;
    }

    /** The highest log index this member answered a proposal for without having applied it itself. */
    long acknowledged() {
        return acknowledged.get();
    }

    /**
     * The leader's side of a forwarded proposal: once applied here, the entry's index (8 bytes) followed
     * by the encoded result; or the failure.
     */
    CompletableFuture<byte[]> appendForwarded(byte[] command) {
        CompletableFuture<Object> applied = new CompletableFuture<>();
        long[] at = new long[1];
        Node n = node.get();
        if (n == null) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.NOT_LEADER, "not running"));
        }
        n.apply(new Task(ByteBuffer.wrap(command), new ProposalClosure((result, index, status) -> {
            if (status.isOk()) {
                at[0] = index;
                applied.complete(result);
            } else {
                applied.completeExceptionally(notAppended(status)
                        ? new ConsensusException(ConsensusException.Reason.NOT_LEADER, status.getErrorMsg())
                        : JRaftConsensusEngine.failure(status));
            }
        })));
        return applied.thenCompose(stateMachine::encodeResult).thenApply(encoded ->
                ByteBuffer.allocate(8 + encoded.length).putLong(at[0]).put(encoded).array());
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
            n.apply(new Task(ByteBuffer.wrap(command), new ProposalClosure((result, index, status) -> {
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
        channel.forward(to, command).whenComplete((reply, t) -> {
            if (t == null) {
                try {
                    ByteBuffer b = ByteBuffer.wrap(reply);
                    long index = b.getLong();
                    byte[] encoded = new byte[b.remaining()];
                    b.get(encoded);
                    acknowledged.accumulateAndGet(index, Math::max);
                    f.complete(stateMachine.decodeResult(encoded));
                } catch (RuntimeException e) {
                    f.completeExceptionally(e);
                }
                return;
            }
            Throwable c = t.getCause() != null && !(t instanceof ConsensusException) ? t.getCause() : t;
            if (c instanceof ConsensusException ce && (ce.reason() == ConsensusException.Reason.NOT_LEADER
                    || ce.reason() == ConsensusException.Reason.UNREACHABLE)) {
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
