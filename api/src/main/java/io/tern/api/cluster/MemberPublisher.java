package io.tern.api.cluster;

import io.tern.api.apply.Proposer;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.raft.RaftRequest;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Announces this member's name and client URLs to the cluster once it serves clients, as etcd does
 * after start: until then the member records show it with no name ("unstarted"). Retries until the
 * records say what this member would announce; stops at {@link #close}.
 */
public final class MemberPublisher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MemberPublisher.class.getName());

    private final ClusterMembers members;
    private final Proposer proposer;
    private final LongSupplier memberId;
    private final String name;
    private final List<String> clientUrls;
    private final Duration retry;
    private volatile Thread thread;

    public MemberPublisher(ClusterMembers members, Proposer proposer, LongSupplier memberId, String name,
                           List<String> clientUrls, Duration retry) {
        this.members = members;
        this.proposer = proposer;
        this.memberId = memberId;
        this.name = name;
        this.clientUrls = List.copyOf(clientUrls);
        this.retry = retry;
    }

    public void start() {
        thread = Thread.ofVirtual().name("tern-member-publisher").start(this::run);
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            Optional<Member> self = members.view().recorded()
                    ? members.view().byId(memberId.getAsLong()) : Optional.empty();
            if (self.isPresent() && self.get().getName().equals(name) && self.get().getClientURLsList().equals(clientUrls)) {
                return;
            }
            if (self.isPresent()) {
                Member announced = Member.newBuilder().setID(memberId.getAsLong()).setName(name)
                        .addAllClientURLs(clientUrls).build();
                try {
                    proposer.propose(RaftRequest.newBuilder().setMemberPublish(announced).build(), Boolean.class)
                            .get(retry.toMillis() * 10, TimeUnit.MILLISECONDS);
                    LOG.log(System.Logger.Level.INFO, "published {0} with client URLs {1}", name, clientUrls);
                    continue;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "publishing member attributes failed, retrying: {0}", e.getMessage());
                }
            }
            try {
                Thread.sleep(retry.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }
}
