package io.tern.server;

import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.proto.etcdserverpb.Member;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Follows the member records for what concerns this member itself:
 * <ul>
 *   <li>a joining member finds its own record by peer URL, takes its ids and records them;</li>
 *   <li>a cluster id in the records other than this member's own means the flags that formed it
 *       (--initial-cluster, --initial-cluster-token) differ from the others': the member stops;</li>
 *   <li>a record that disappears means the member was removed: it stops, as etcd does.</li>
 * </ul>
 * Called on the apply thread; stopping is handed to {@code stop}, which must not block it.
 */
final class MemberIdentity implements Consumer<ClusterMembers.View> {
    private static final System.Logger LOG = System.getLogger(MemberIdentity.class.getName());

    /** Why a member stops by itself. */
    record Stop(String reason, boolean failure) {
    }

    private final DataDir dir;
    private final ResponseHeaders headers;
    private final Consumer<Stop> stop;
    private final CompletableFuture<Long> identified = new CompletableFuture<>();
    private volatile Bootstrap bootstrap;
    private boolean seen;
    private boolean stopped;

    MemberIdentity(DataDir dir, Bootstrap bootstrap, ResponseHeaders headers, Consumer<Stop> stop) {
        this.dir = dir;
        this.bootstrap = bootstrap;
        this.headers = headers;
        this.stop = stop;
        if (bootstrap.memberId() != 0) {
            identified.complete(bootstrap.memberId());
        }
    }

    /** Completes with this member's id once known (at once unless joining for the first time). */
    CompletableFuture<Long> identified() {
        return identified;
    }

    @Override
    public synchronized void accept(ClusterMembers.View view) {
        if (!view.recorded() || stopped) {
            return;
        }
        if (headers.memberId() == 0) {
            view.members().stream()
                    .filter(m -> m.getPeerURLsList().stream().anyMatch(bootstrap.peerUrls()::contains))
                    .findFirst().ifPresent(m -> identify(view, m));
            return;
        }
        if (view.clusterId() != headers.clusterId()) {
            stop(new Stop("cluster ID mismatch: this member computed cluster " + Long.toHexString(headers.clusterId())
                    + " from its --initial-cluster and --initial-cluster-token, but joined cluster "
                    + Long.toHexString(view.clusterId()) + "; check those flags on every member", true));
            return;
        }
        if (view.byId(headers.memberId()).isPresent()) {
            seen = true;
        } else if (seen) {
            stop(new Stop("the member has been permanently removed from the cluster", false));
        }
    }

    private void identify(ClusterMembers.View view, Member self) {
        Bootstrap b = bootstrap.identified(view.clusterId(), self.getID());
        dir.record(b);
        bootstrap = b;
        headers.identify(view.clusterId(), self.getID());
        seen = true;
        LOG.log(System.Logger.Level.INFO, "joined cluster {0} as member {1}", Long.toHexString(view.clusterId()),
                Long.toHexString(self.getID()));
        identified.complete(self.getID());
    }

    private void stop(Stop s) {
        stopped = true;
        LOG.log(s.failure() ? System.Logger.Level.ERROR : System.Logger.Level.WARNING, s.reason());
        stop.accept(s);
    }
}
