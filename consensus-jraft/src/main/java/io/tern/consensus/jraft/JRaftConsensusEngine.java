package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.util.Endpoint;
import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.consensus.StateMachine;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member of a SOFAJRaft group. Proposals become jraft tasks: jraft batches concurrent tasks into one
 * log append (fsynced) and hands committed entries to {@link FsmAdapter} in batches, which applies each
 * batch to the state machine as one storage write. Linearizable reads use jraft's ReadIndex, which
 * completes once the local state machine has applied up to the read index.
 *
 * <p>A one-member group needs no peer traffic, so no RPC server is started for it; the peer address is
 * only registered, as jraft requires.
 */
final class JRaftConsensusEngine implements ConsensusEngine {
    private static final System.Logger LOG = System.getLogger(JRaftConsensusEngine.class.getName());
    static final String GROUP = "tern";

    private final ConsensusConfig config;
    private final StateMachine stateMachine;
    private final FsmAdapter fsm;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Node node;
    private Endpoint endpoint;

    JRaftConsensusEngine(ConsensusConfig config, StateMachine stateMachine) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.fsm = new FsmAdapter(stateMachine, config.snapshotCount(), this::triggerSnapshot);
    }

    static PeerId peerId(ConsensusConfig.Peer p) {
        return new PeerId(new Endpoint(p.host(), p.port()), 0);
    }

    @Override
    public void start() {
        if (config.peers().size() != 1) {
            throw new UnsupportedOperationException(
                    "multi-member clusters are not available yet; --initial-cluster must name this member alone");
        }
        Path dir = config.directory();
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create raft directory " + dir, e);
        }
        PeerId self = peerId(config.self());
        endpoint = self.getEndpoint();
        Configuration initial = new Configuration();
        config.peers().forEach(p -> initial.addPeer(peerId(p)));

        NodeOptions opts = new NodeOptions();
        opts.setFsm(fsm);
        opts.setLogUri(dir.resolve("log").toString());
        opts.setRaftMetaUri(dir.resolve("meta").toString());
        opts.setSnapshotUri(dir.resolve("snapshot").toString());
        opts.setInitialConf(initial);
        opts.setElectionTimeoutMs((int) config.electionTimeout().toMillis());
        opts.setSnapshotIntervalSecs(0); // snapshots are taken by entry count (--snapshot-count), not by time
        opts.setSharedElectionTimer(false);
        RaftOptions raft = opts.getRaftOptions();
        raft.setApplyBatch(256);
        raft.setMaxAppendBufferSize(1024 * 1024);
        raft.setSync(true);

        NodeManager.getInstance().addAddress(endpoint);
        node = RaftServiceFactory.createAndInitRaftNode(GROUP, self, opts);
        if (node == null) {
            throw new IllegalStateException("SOFAJRaft failed to start member " + config.memberName() + " in " + dir);
        }
        LOG.log(System.Logger.Level.INFO, "raft member {0} started in {1}", config.memberName(), dir);
    }

    @Override
    public CompletableFuture<Object> propose(byte[] command) {
        Node n = node;
        if (n == null || closed.get()) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "not running"));
        }
        ProposalClosure done = new ProposalClosure();
        n.apply(new Task(ByteBuffer.wrap(command), done));
        return done.future().orTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(JRaftConsensusEngine::timeout);
    }

    @Override
    public CompletableFuture<Void> readBarrier() {
        Node n = node;
        if (n == null || closed.get()) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "not running"));
        }
        if (config.peers().size() == 1 && n.isLeader() && fsm.currentTermApplied()
                && n.getLastAppliedLogIndex() >= n.getLastCommittedIndex()) {
            // A lone member commits alone and acknowledges writes only once applied. With an entry of its
            // current term applied (so every earlier entry, replayed ones included, is applied too) and
            // nothing committed left unapplied, no acknowledged write is missing from the local store.
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        n.readIndex(null, new ReadIndexClosure() {
            @Override
            public void run(Status status, long index, byte[] reqCtx) {
                if (status.isOk()) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(failure(status));
                }
            }
        });
        return f.orTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(JRaftConsensusEngine::timeout);
    }

    private static <T> CompletableFuture<T> timeout(Throwable t) {
        if (t instanceof java.util.concurrent.TimeoutException) {
            return CompletableFuture.failedFuture(
                    new ConsensusException(ConsensusException.Reason.TIMEOUT, "not committed in time"));
        }
        return CompletableFuture.failedFuture(t);
    }

    /** Maps a jraft failure to the reason etcd clients understand. */
    static ConsensusException failure(Status status) {
        RaftError err = status.getRaftError();
        ConsensusException.Reason reason = switch (err == null ? RaftError.UNKNOWN : err) {
            case EPERM -> ConsensusException.Reason.NO_LEADER;
            case ELEADERREMOVED, ESTATEMACHINE -> ConsensusException.Reason.LEADER_CHANGED;
            case ESHUTDOWN, ENODESHUTDOWN, ESTOP -> ConsensusException.Reason.STOPPED;
            case EBUSY, ETIMEDOUT, EAGAIN -> ConsensusException.Reason.TIMEOUT;
            default -> status.getErrorMsg() != null && status.getErrorMsg().contains("leader")
                    ? ConsensusException.Reason.LEADER_CHANGED : ConsensusException.Reason.TIMEOUT;
        };
        return new ConsensusException(reason, "raft: " + status);
    }

    @Override
    public long term() {
        return fsm.term();
    }

    @Override
    public ConsensusStatus status() {
        Node n = node;
        if (n == null) {
            return new ConsensusStatus(config.memberId(), 0, 0, 0, stateMachine.appliedIndex());
        }
        PeerId leader = n.getLeaderId();
        long leaderId = 0;
        if (leader != null && !leader.isEmpty()) {
            leaderId = config.peers().stream()
                    .filter(p -> peerId(p).equals(leader)).mapToLong(ConsensusConfig.Peer::id).findFirst().orElse(0);
        }
        return new ConsensusStatus(config.memberId(), leaderId, fsm.term(), n.getLastCommittedIndex(),
                n.getLastAppliedLogIndex());
    }

    private void triggerSnapshot() {
        Node n = node;
        if (n != null && !closed.get()) {
            n.snapshot(status -> {
                if (!status.isOk()) {
                    LOG.log(System.Logger.Level.WARNING, "snapshot failed: {0}", status);
                }
                fsm.snapshotFinished();
            });
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Node n = node;
        if (n != null) {
            n.shutdown();
            try {
                n.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            NodeManager.getInstance().remove(n);
        }
        if (endpoint != null) {
            NodeManager.getInstance().removeAddress(endpoint);
        }
    }
}
