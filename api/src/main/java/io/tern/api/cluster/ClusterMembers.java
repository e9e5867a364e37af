package io.tern.api.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.spi.consensus.PeerAddress;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The cluster's members as this member knows them. The replicated member records (written by the
 * cluster's first entry and by membership changes, carried by snapshots) are the truth; until the
 * first entry is applied a new cluster's members are what {@code --initial-cluster} says.
 */
public final class ClusterMembers {
    private static final System.Logger LOG = System.getLogger(ClusterMembers.class.getName());

    /**
     * One consistent view.
     *
     * @param clusterId the cluster's id, 0 when not known yet (a joining member before its first entries)
     * @param members   every member in unsigned id order
     * @param recorded  true when read from the replicated records, false for the bootstrap view
     */
    public record View(long clusterId, List<Member> members, boolean recorded) {
        public View {
            members = List.copyOf(members);
        }

        public Optional<Member> byId(long id) {
            return members.stream().filter(m -> m.getID() == id).findFirst();
        }

        public Optional<Member> byAddress(PeerAddress a) {
            return members.stream().filter(m -> a.equals(address(m))).findFirst();
        }

        /** The id of the member at {@code a}, 0 when none is. */
        public long idOf(PeerAddress a) {
            return byAddress(a).map(Member::getID).orElse(0L);
        }
    }

    private final View bootstrap;
    private final List<Consumer<View>> listeners = new CopyOnWriteArrayList<>();
    private volatile View current;

    /** @param bootstrap the members from the flags (empty with id 0 when joining a running cluster) */
    public ClusterMembers(View bootstrap) {
        this.bootstrap = bootstrap;
        this.current = bootstrap;
    }

    public View view() {
        return current;
    }

    public View bootstrap() {
        return bootstrap;
    }

    /** Adds a listener told of every new view, on the thread that loaded it (the apply thread). */
    public void listen(Consumer<View> listener) {
        listeners.add(listener);
    }

    /** Re-reads the records from {@code store}; called on open, after membership entries, after a snapshot. */
    public void reload(KvStore store) {
        long id = store.clusterId();
        if (id == 0) {
            return; // the first entry has not been applied: keep the bootstrap view
        }
        List<Member> members = new ArrayList<>();
        store.members((memberId, record) -> members.add(decode(memberId, record)));
        View v = new View(id, members, true);
        current = v;
        for (Consumer<View> l : listeners) {
            try {
                l.accept(v);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "member listener failed", e);
            }
        }
    }

    static Member decode(long id, byte[] record) {
        try {
            return Member.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("member record " + Long.toHexString(id) + " is undecodable", e);
        }
    }

    /** Where the member's consensus engine listens: host and port of its first peer URL. */
    public static PeerAddress address(Member m) {
        if (m.getPeerURLsCount() == 0) {
            throw new IllegalStateException("member " + Long.toHexString(m.getID()) + " has no peer URL");
        }
        URI u = URI.create(m.getPeerURLs(0));
        return new PeerAddress(u.getHost(), u.getPort());
    }
}
