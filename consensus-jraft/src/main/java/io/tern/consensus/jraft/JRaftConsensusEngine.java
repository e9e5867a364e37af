package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.NodeManager;
import com.alipay.sofa.jraft.RaftServiceFactory;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.closure.ReadIndexClosure;
import com.alipay.sofa.jraft.conf.Configuration;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.rpc.RaftRpcServerFactory;
import com.alipay.sofa.jraft.rpc.RpcServer;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcServer;
import com.alipay.sofa.jraft.util.Endpoint;
import io.tern.spi.consensus.ConsensusConfig;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.ConsensusStatus;
import io.tern.spi.consensus.Membership;
import io.tern.spi.consensus.PeerAddress;
import io.tern.spi.consensus.PeerCalls;
import io.tern.spi.consensus.StateMachine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A member of a SOFAJRaft group. Proposals become jraft tasks on the leader (followers forward them,
 * see {@link Proposals}); jraft batches concurrent tasks into one log append (fsynced) and hands
 * committed entries to {@link FsmAdapter} in batches, each applied to the state machine as one storage
 * write. Linearizable reads use jraft's ReadIndex on any member; it completes once the local state
 * machine has applied up to the read index.
 *
 * <p>Peer traffic (raft's and the engine's own {@link PeerChannel} messages) is served on the
 * configured listen port; the advertised address is the member's identity in the group.
 */
final class JRaftConsensusEngine implements ConsensusEngine {
    private static final System.Logger LOG = System.getLogger(JRaftConsensusEngine.class.getName());
    static final String GROUP = "tern";
    private static final long DEADLINE_SWEEP_MILLIS = 20;

    private final ConsensusConfig config;
    private final StateMachine stateMachine;
    private final PeerCalls calls;
    private final FsmAdapter fsm;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService timer;
    private final java.util.concurrent.ExecutorService snapshotSaver;
    /** Bounds proposals and read barriers by the request timeout. */
    private final Deadlines deadlines;
    private final PeerChannel channel;
    private final Proposals proposals;
    private volatile Node node;
    private RpcServer rpcServer;
    private Endpoint endpoint;

    JRaftConsensusEngine(ConsensusConfig config, StateMachine stateMachine, PeerCalls calls) {
        this.config = config;
        this.stateMachine = stateMachine;
        this.calls = calls;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tern-raft-timer");
            t.setDaemon(true);
            return t;
        });
        this.deadlines = new Deadlines(config.requestTimeout().toMillis(),
                () -> new ConsensusException(ConsensusException.Reason.TIMEOUT, "not committed in time"), timer,
                DEADLINE_SWEEP_MILLIS);
        this.channel = new PeerChannel((int) config.requestTimeout().toMillis(), config.tls());
        this.proposals = new Proposals(() -> node, stateMachine, config.self(), channel, timer,
                2 * config.electionTimeout().toMillis());
        this.snapshotSaver = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tern-snapshot-save");
            t.setDaemon(true);
            return t;
        });
        this.fsm = new FsmAdapter(stateMachine, config.snapshotCount(), this::triggerSnapshot, snapshotSaver);
    }

    @Override
    public void start() {
        Path dir = config.directory();
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create raft directory " + dir, e);
        }
        PeerId self = MembershipChanges.peer(config.self());
        endpoint = self.getEndpoint();
        Configuration initial = new Configuration();
        config.initialVoters().forEach(p -> initial.addPeer(MembershipChanges.peer(p)));

        NodeOptions opts = new TernNodeOptions(config.tls());
        opts.setFsm(fsm);
        opts.setLogUri(dir.resolve("log").toString());
        opts.setRaftMetaUri(dir.resolve("meta").toString());
        opts.setSnapshotUri(dir.resolve("snapshot").toString());
        opts.setServiceFactory(OnDemandSnapshotStorage.serviceFactory(fsm::writeState, config.logSyncNanos()));
        opts.setInitialConf(initial);
        int electionMs = (int) config.electionTimeout().toMillis();
        opts.setElectionTimeoutMs(electionMs);
        opts.setSnapshotIntervalSecs(0); // snapshots are taken by entry count (--snapshot-count), not by time
        // jraft's own per-node timers are 1 ms hashed wheels: four threads waking a thousand times a
        // second each, idle or not. The shared ones are scheduled executors that sleep until due.
        opts.setSharedElectionTimer(true);
        opts.setSharedVoteTimer(true);
        opts.setSharedStepDownTimer(true);
        opts.setSharedSnapshotTimer(true);
        opts.setSharedTimerPool(true);
        RaftOptions raft = opts.getRaftOptions();
        // jraft derives the heartbeat as election timeout / factor; the config guarantees a factor >= 5.
        raft.setElectionHeartbeatFactor((int) Math.max(1, electionMs / Math.max(1, config.heartbeat().toMillis())));
        raft.setApplyBatch(256);
        raft.setMaxAppendBufferSize(1024 * 1024);
        raft.setSync(true);

        com.alipay.remoting.rpc.RpcServer bolt = new com.alipay.remoting.rpc.RpcServer(
                config.listen().host(), config.listen().port(), true);
        // Bolt otherwise closes the listening socket in the background: a member restarted at once on
        // the same peer port would find it still bound.
        bolt.option(com.alipay.remoting.config.BoltServerOption.SERVER_SYNC_STOP, true);
        config.tls().ifPresent(tls -> bolt.option(com.alipay.remoting.config.BoltServerOption.EXTENDED_NETTY_CHANNEL_HANDLER,
                PeerTlsHandlers.accepting(tls)));
        rpcServer = new BoltRpcServer(bolt);
        RaftRpcServerFactory.addRaftRequestProcessors(rpcServer);
        PeerChannel.serve(rpcServer, proposals::appendForwarded, calls);
        NodeManager.getInstance().addAddress(endpoint);
        if (!rpcServer.init(null)) {
            throw new IllegalStateException("cannot listen for peers on " + config.listen());
        }
        try {
            node = RaftServiceFactory.createAndInitRaftNode(GROUP, self, opts);
        } catch (IllegalStateException e) {
            String why = fsm.loadFailure();
            throw stopPeerServer(why == null ? e : new IllegalStateException("member " + config.memberName() + ": " + why, e));
        }
        if (node == null) {
            throw stopPeerServer(new IllegalStateException(
                    "SOFAJRaft failed to start member " + config.memberName() + " in " + dir));
        }
        LOG.log(System.Logger.Level.INFO, "raft member {0} at {1} started in {2}{3}", config.memberName(),
                config.self(), dir, config.joining() ? ", waiting to be added to the group" : "");
    }

    @Override
    public CompletableFuture<Object> propose(byte[] command) {
        if (node == null || closed.get()) {
            return stopped();
        }
        return deadlines.bind(proposals.propose(command));
    }

    @Override
    public CompletableFuture<Void> readBarrier() {
        Node n = node;
        if (n == null || closed.get()) {
            return stopped();
        }
        if (n.isLeader() && fsm.currentTermApplied() && n.getLastAppliedLogIndex() >= n.getLastCommittedIndex()
                && soleVoter(n)) {
            // A lone voter commits alone and acknowledges writes only once applied. With an entry of its
            // current term applied (so every earlier entry, replayed ones included, is applied too) and
            // nothing committed left unapplied, no acknowledged write is missing from the local store.
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        // No jraft-side timeout (-1): it would arm a 1 ms wheel timer per read; the deadline below bounds
        // the wait.
        n.readIndex(null, new ReadIndexClosure(-1) {
            @Override
            public void run(Status status, long index, byte[] reqCtx) {
                if (status.isOk()) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(failure(status));
                }
            }
        });
        return deadlines.bind(f);
    }

    @Override
    public CompletableFuture<Void> acknowledgedBarrier() {
        Node n = node;
        if (n == null || n.getLastAppliedLogIndex() >= proposals.acknowledged()) {
            return CompletableFuture.completedFuture(null);
        }
        // A read index is at least every committed index, so once the local apply reaches it the
        // acknowledged entries are applied too; and the round makes the leader send its commit index
        // now. Without an answer in time, the read goes ahead on local state (it is serializable).
        return readBarrier().completeOnTimeout(null, config.electionTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .exceptionally(t -> null);
    }

    private static boolean soleVoter(Node n) {
        try {
            return n.listPeers().size() == 1;
        } catch (IllegalStateException notLeaderAnyMore) {
            return false;
        }
    }

    private static <T> CompletableFuture<T> stopped() {
        return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.STOPPED, "not running"));
    }

    /** Maps a jraft failure to the reason etcd clients understand. */
    static ConsensusException failure(Status status) {
        RaftError err = status.getRaftError();
        ConsensusException.Reason reason = switch (err == null ? RaftError.UNKNOWN : err) {
            case EPERM -> status.getErrorMsg() != null && status.getErrorMsg().contains("stepped down")
                    ? ConsensusException.Reason.LEADER_CHANGED : ConsensusException.Reason.NO_LEADER;
            case ELEADERREMOVED, ESTATEMACHINE, ELEADERCONFLICT -> ConsensusException.Reason.LEADER_CHANGED;
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
            return new ConsensusStatus(config.self(), Optional.empty(), 0, 0, stateMachine.appliedIndex(), 0);
        }
        PeerId leader = n.getLeaderId();
        Optional<PeerAddress> l = leader == null || leader.isEmpty() ? Optional.empty()
                : Optional.of(new PeerAddress(leader.getIp(), leader.getPort()));
        return new ConsensusStatus(config.self(), l, fsm.term(), n.getLastCommittedIndex(), n.getLastAppliedLogIndex(),
                fsm.leaderChanges());
    }

    @Override
    public CompletableFuture<byte[]> callLeader(byte[] request) {
        Node n = node;
        if (n == null || closed.get()) {
            return stopped();
        }
        PeerId leader = n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            return CompletableFuture.failedFuture(new ConsensusException(ConsensusException.Reason.NO_LEADER, "no leader"));
        }
        PeerAddress to = new PeerAddress(leader.getIp(), leader.getPort());
        return to.equals(config.self()) ? calls.answer(request) : channel.call(to, request);
    }

    @Override
    public CompletableFuture<byte[]> callMember(PeerAddress address, byte[] request) {
        if (closed.get()) {
            return stopped();
        }
        return address.equals(config.self()) ? calls.answer(request) : channel.call(address, request);
    }

    @Override
    public Membership membership() {
        Node n = node;
        if (n == null) {
            throw new ConsensusException(ConsensusException.Reason.STOPPED, "not running");
        }
        return MembershipChanges.current(n);
    }

    @Override
    public java.util.Set<PeerAddress> activeVoters() {
        Node n = node;
        if (n == null) {
            throw new ConsensusException(ConsensusException.Reason.STOPPED, "not running");
        }
        return MembershipChanges.activeVoters(n);
    }

    @Override
    public CompletableFuture<Void> reconfigure(Membership target) {
        Node n = node;
        if (n == null || closed.get()) {
            return stopped();
        }
        return MembershipChanges.reconfigure(n, target, timer);
    }

    @Override
    public CompletableFuture<Void> transferLeadership(PeerAddress address) {
        Node n = node;
        if (n == null || closed.get()) {
            return stopped();
        }
        return MembershipChanges.transfer(n, address, timer, 2 * config.electionTimeout().toMillis());
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

    /** Stops listening for peers after a failed start (close() must not stop it again) and returns {@code e}. */
    private IllegalStateException stopPeerServer(IllegalStateException e) {
        rpcServer.shutdown();
        rpcServer = null;
        return e;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Node n = node;
        try {
            if (n != null) {
                n.shutdown();
                try {
                    n.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                NodeManager.getInstance().remove(n);
            }
        } finally {
            if (rpcServer != null) {
                rpcServer.shutdown();
            }
            if (endpoint != null) {
                NodeManager.getInstance().removeAddress(endpoint);
            }
            channel.close();
            deadlines.close();
            timer.shutdownNow();
            snapshotSaver.shutdownNow(); // jraft's join above waited for a save in progress
        }
    }
}
