package io.tern.api.cluster;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The peer URLs MemberAdd and MemberUpdate accept, and etcd's error for the others. */
class ClusterServiceTest {

    /** Peer URLs and whether etcd takes them. */
    record Urls(List<String> urls, boolean valid) {
    }

    static Stream<Urls> urls() {
        return Stream.of(
                new Urls(List.of("http://127.0.0.1:2380"), true),
                new Urls(List.of("https://node-1.example:2380", "http://10.0.0.1:2380"), true),
                new Urls(List.of(), false),
                new Urls(List.of("127.0.0.1:2380"), false),
                new Urls(List.of("http://127.0.0.1"), false),
                new Urls(List.of("unix://socket:1"), false),
                new Urls(List.of("http://127.0.0.1:2380/path"), false),
                new Urls(List.of("http://[bad"), false));
    }

    @ParameterizedTest
    @MethodSource("urls")
    void peerUrlsAreSchemeHostAndPort(Urls c) {
        Throwable t = catchThrowable(() -> ClusterService.checkUrls(c.urls()));
        if (c.valid()) {
            assertThat(t).isNull();
        } else {
            assertThat(t).isInstanceOf(EtcdException.class);
            assertThat(((EtcdException) t).error()).isEqualTo(EtcdError.MEMBER_BAD_URLS);
        }
    }

    static io.tern.api.proto.etcdserverpb.Member m(long id, String name, boolean learner) {
        return io.tern.api.proto.etcdserverpb.Member.newBuilder().setID(id).setName(name).setIsLearner(learner).build();
    }

    /** A removal and whether etcd's strict reconfiguration check lets it through. */
    record Removal(String name, List<io.tern.api.proto.etcdserverpb.Member> members, long id, boolean allowed) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Removal> removals() {
        return Stream.of(
                new Removal("one of three started voters", List.of(m(1, "a", false), m(2, "b", false), m(3, "c", false)), 3, true),
                new Removal("a started voter when another never started",
                        List.of(m(1, "a", false), m(2, "b", false), m(3, "", false)), 2, false),
                new Removal("the unstarted voter", List.of(m(1, "a", false), m(2, "b", false), m(3, "", false)), 3, true),
                new Removal("a learner", List.of(m(1, "a", false), m(2, "", true)), 2, true),
                new Removal("an unknown id", List.of(m(1, "a", false)), 9, true),
                new Removal("one of two started voters", List.of(m(1, "a", false), m(2, "b", false)), 2, true));
    }

    @ParameterizedTest
    @MethodSource("removals")
    void removingAVoterLeavesStartedVotersForAQuorum(Removal c) {
        Throwable t = catchThrowable(() -> ClusterService.checkEnoughStartedAfterRemoving(c.members(), c.id()));
        if (c.allowed()) {
            assertThat(t).isNull();
        } else {
            assertThat(((EtcdException) t).error()).isEqualTo(EtcdError.MEMBER_NOT_ENOUGH_STARTED);
        }
    }

    /** Member {@code id} at peer port 2380 + id. */
    static io.tern.api.proto.etcdserverpb.Member at(long id, boolean learner) {
        return m(id, "m" + id, learner).toBuilder().addPeerURLs("http://127.0.0.1:" + (2380 + id)).build();
    }

    static io.tern.spi.consensus.PeerAddress peer(long id) {
        return new io.tern.spi.consensus.PeerAddress("127.0.0.1", (int) (2380 + id));
    }

    /** A removal, the voters the leader hears from, and whether etcd lets the removal through. */
    record ActiveRemoval(String name, List<io.tern.api.proto.etcdserverpb.Member> members, long id,
                         java.util.Set<io.tern.spi.consensus.PeerAddress> active, boolean allowed) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<ActiveRemoval> activeRemovals() {
        var three = List.of(at(1, false), at(2, false), at(3, false));
        return Stream.of(
                new ActiveRemoval("all active", three, 3, java.util.Set.of(peer(1), peer(2), peer(3)), true),
                new ActiveRemoval("the silent voter itself", three, 3, java.util.Set.of(peer(1), peer(2)), true),
                new ActiveRemoval("an active voter while another is silent", three, 2,
                        java.util.Set.of(peer(1), peer(2)), false),
                new ActiveRemoval("a learner while a voter is silent", List.of(at(1, false), at(2, false), at(3, true)),
                        3, java.util.Set.of(peer(1)), true),
                new ActiveRemoval("one of two voters, the other active", List.of(at(1, false), at(2, false)), 2,
                        java.util.Set.of(peer(1), peer(2)), true),
                new ActiveRemoval("an unknown id", three, 9, java.util.Set.of(peer(1)), true));
    }

    @ParameterizedTest
    @MethodSource("activeRemovals")
    void removingAVoterLeavesActiveVotersForAQuorum(ActiveRemoval c) {
        Throwable t = catchThrowable(() -> ClusterService.checkActiveAfterRemoving(c.members(), c.id(), c.active()));
        if (c.allowed()) {
            assertThat(t).isNull();
        } else {
            assertThat(((EtcdException) t).error()).isEqualTo(EtcdError.UNHEALTHY);
        }
    }
}
