package io.tern.api.cluster;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.mvcc.KvStore;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.raft.ClusterInit;
import io.tern.api.proto.raft.MemberAdd;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Membership entries against a store holding a two-member cluster (1 = voter at :1, 2 = learner at :2):
 * what each change leaves in the records, and etcd's error for each refusal.
 */
class MemberApplyTest {
    @TempDir
    Path dir;

    static Member member(long id, String url, boolean learner) {
        return Member.newBuilder().setID(id).addPeerURLs(url).setIsLearner(learner).build();
    }

    static MemberAdd add(long id, String url, boolean learner, int maxLearners) {
        return MemberAdd.newBuilder().setMember(member(id, url, learner)).setMaxLearners(maxLearners).build();
    }

    /** One change: what it does to the records, or the error etcd answers. */
    record Case(String name, Consumer<KvStoreTxn> change, EtcdError error, List<Member> after) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        Member one = member(1, "http://h:1", false);
        Member two = member(2, "http://h:2", true);
        return Stream.of(
                new Case("add a voter", t -> MemberApply.add(t, add(3, "http://h:3", false, 1)), null,
                        List.of(one, two, member(3, "http://h:3", false))),
                new Case("add a learner past --max-learners", t -> MemberApply.add(t, add(3, "http://h:3", true, 1)),
                        EtcdError.TOO_MANY_LEARNERS, List.of(one, two)),
                new Case("add a learner within --max-learners", t -> MemberApply.add(t, add(3, "http://h:3", true, 2)),
                        null, List.of(one, two, member(3, "http://h:3", true))),
                new Case("add at a peer URL in use", t -> MemberApply.add(t, add(3, "http://h:1", false, 1)),
                        EtcdError.PEER_URL_EXIST, List.of(one, two)),
                new Case("add an id in use", t -> MemberApply.add(t, add(1, "http://h:9", false, 1)),
                        EtcdError.MEMBER_EXIST, List.of(one, two)),
                new Case("remove", t -> MemberApply.remove(t, 2), null, List.of(one)),
                new Case("remove an unknown id", t -> MemberApply.remove(t, 7), EtcdError.MEMBER_NOT_FOUND, List.of(one, two)),
                new Case("add back a removed id", t -> {
                    MemberApply.remove(t, 2);
                    MemberApply.add(t, add(2, "http://h:9", false, 1));
                }, EtcdError.MEMBER_NOT_FOUND, List.of(one)),
                new Case("promote a learner", t -> MemberApply.promote(t, 2), null,
                        List.of(one, member(2, "http://h:2", false))),
                new Case("promote a voter", t -> MemberApply.promote(t, 1), EtcdError.MEMBER_NOT_LEARNER, List.of(one, two)),
                new Case("promote an unknown id", t -> MemberApply.promote(t, 7), EtcdError.MEMBER_NOT_FOUND, List.of(one, two)),
                new Case("update peer URLs", t -> MemberApply.update(t, MemberUpdateRequest.newBuilder().setID(1)
                        .addPeerURLs("http://h:5").build()), null, List.of(member(1, "http://h:5", false), two)),
                new Case("update to another member's URL", t -> MemberApply.update(t, MemberUpdateRequest.newBuilder()
                        .setID(1).addPeerURLs("http://h:2").build()), EtcdError.PEER_URL_EXIST, List.of(one, two)),
                new Case("update an unknown id", t -> MemberApply.update(t, MemberUpdateRequest.newBuilder().setID(7)
                        .addPeerURLs("http://h:7").build()), EtcdError.MEMBER_NOT_FOUND, List.of(one, two)),
                new Case("publish name and client URLs", t -> MemberApply.publish(t, Member.newBuilder().setID(2)
                        .setName("m2").addClientURLs("http://h:22").build()), null,
                        List.of(one, two.toBuilder().setName("m2").addClientURLs("http://h:22").build())),
                new Case("publish for a removed member", t -> MemberApply.publish(t, Member.newBuilder().setID(7)
                        .setName("gone").build()), null, List.of(one, two)),
                new Case("a second cluster init", t -> MemberApply.init(t, ClusterInit.newBuilder().setClusterId(99)
                        .addMembers(member(5, "http://h:5", false)).build()), null, List.of(one, two)));
    }

    private KvStore store() {
        KvStore store = KvStore.open(new MemoryStorageProvider().create(StorageConfig.of(dir), new StorageContext("t")));
        KvStoreTxn t = store.beginWrite();
        MemberApply.init(t, ClusterInit.newBuilder().setClusterId(42)
                .addMembers(member(1, "http://h:1", false)).addMembers(member(2, "http://h:2", true)).build());
        t.commit(1);
        return store;
    }

    @org.junit.jupiter.api.Test
    void aRemovedIdIsRememberedForGood() {
        try (KvStore store = store()) {
            KvStoreTxn t = store.beginWrite();
            MemberApply.remove(t, 2);
            t.commit(2);
            assertThat(store.memberRemoved(2)).isTrue();
            assertThat(store.memberRemoved(1)).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void eachChangeEditsTheRecordsOrIsRefusedWithEtcdsError(Case c) {
        try (KvStore store = store()) {
            KvStoreTxn t = store.beginWrite();
            Throwable thrown = catchThrowable(() -> c.change().accept(t));
            if (c.error() == null) {
                assertThat(thrown).isNull();
            } else {
                assertThat(thrown).isInstanceOf(EtcdException.class);
                assertThat(((EtcdException) thrown).error()).isEqualTo(c.error());
            }
            t.commit(2);
            ClusterMembers members = new ClusterMembers(new ClusterMembers.View(0, List.of(), false));
            members.reload(store);
            assertThat(members.view().recorded()).isTrue();
            assertThat(members.view().clusterId()).as("the first init's id stays").isEqualTo(42);
            assertThat(members.view().members()).containsExactlyElementsOf(c.after());
        }
    }

    @Test
    void beforeTheFirstEntryTheBootstrapViewStandsAndAddressesComeFromTheFirstPeerUrl(@TempDir Path d) {
        ClusterMembers.View boot = new ClusterMembers.View(7, List.of(member(1, "http://10.0.0.1:2380", false)), false);
        ClusterMembers members = new ClusterMembers(boot);
        try (KvStore empty = KvStore.open(new MemoryStorageProvider().create(StorageConfig.of(d), new StorageContext("t")))) {
            members.reload(empty);
        }
        assertThat(members.view()).isSameAs(boot);
        assertThat(boot.idOf(new io.tern.spi.consensus.PeerAddress("10.0.0.1", 2380))).isEqualTo(1);
        assertThat(boot.idOf(new io.tern.spi.consensus.PeerAddress("10.0.0.1", 2381))).isZero();
    }

    @Test
    void addedMembersGetNewIdsOverTimeAndInitialOnesStableIds() {
        List<String> urls = List.of("http://h:1");
        assertThat(MemberIds.memberId(urls, "tok")).isEqualTo(MemberIds.memberId(urls, "tok"));
        assertThat(MemberIds.addedMemberId(urls, "tok", 100)).isNotEqualTo(MemberIds.addedMemberId(urls, "tok", 101))
                .isNotEqualTo(MemberIds.memberId(urls, "tok"));
    }
}
