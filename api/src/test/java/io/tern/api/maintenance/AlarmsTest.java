package io.tern.api.maintenance;

import io.tern.api.mvcc.KvStore;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.AlarmMember;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmRequest.AlarmAction;
import io.tern.api.proto.etcdserverpb.AlarmType;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AlarmsTest {
    /** Requests applied in order, one batch each; the answer of the last and the alarms raised after. */
    record Case(String name, List<AlarmRequest> requests, List<AlarmMember> lastAnswer, List<AlarmMember> raised) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static AlarmRequest req(AlarmAction action, long member, int type) {
        return AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarmValue(type).build();
    }

    private static AlarmMember member(long id, int type) {
        return AlarmMember.newBuilder().setMemberID(id).setAlarmValue(type).build();
    }

    static final int NOSPACE = AlarmType.NOSPACE_VALUE;
    static final int CORRUPT = AlarmType.CORRUPT_VALUE;

    static List<Case> cases() {
        AlarmRequest get = AlarmRequest.getDefaultInstance();
        return List.of(
                new Case("raise answers the alarm", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE)),
                        List.of(member(1, NOSPACE)), List.of(member(1, NOSPACE))),
                new Case("raising twice keeps one", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE),
                        req(AlarmAction.ACTIVATE, 1, NOSPACE)), List.of(member(1, NOSPACE)), List.of(member(1, NOSPACE))),
                new Case("raising NONE does nothing", List.of(req(AlarmAction.ACTIVATE, 1, 0)), List.of(), List.of()),
                new Case("get lists all", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE), req(AlarmAction.ACTIVATE, 2, CORRUPT),
                        get), List.of(member(1, NOSPACE), member(2, CORRUPT)), List.of(member(1, NOSPACE), member(2, CORRUPT))),
                new Case("get filters by type", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE), req(AlarmAction.ACTIVATE, 2, CORRUPT),
                        req(AlarmAction.GET, 0, CORRUPT)), List.of(member(2, CORRUPT)), List.of(member(1, NOSPACE), member(2, CORRUPT))),
                new Case("disarm answers what it lowered", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE),
                        req(AlarmAction.DEACTIVATE, 1, NOSPACE)), List.of(member(1, NOSPACE)), List.of()),
                new Case("disarming what is not raised answers nothing", List.of(req(AlarmAction.ACTIVATE, 1, NOSPACE),
                        req(AlarmAction.DEACTIVATE, 2, NOSPACE)), List.of(), List.of(member(1, NOSPACE))),
                // A type this build does not know is kept by number and never fails the apply thread.
                new Case("an unknown type is kept", List.of(req(AlarmAction.ACTIVATE, 3, 42)), List.of(member(3, 42)),
                        List.of(member(3, 42))),
                new Case("an unknown action changes nothing", List.of(AlarmRequest.newBuilder().setActionValue(9)
                        .setMemberID(1).setAlarmValue(NOSPACE).build()), List.of(), List.of()));
    }

    private static KvStore store(Path dir) {
        return KvStore.open(new MemoryStorageProvider().create(StorageConfig.of(dir), new StorageContext("test")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void appliesAsEtcd(Case c, @TempDir Path dir) {
        Alarms alarms = new Alarms();
        try (KvStore store = store(dir)) {
            List<AlarmMember> answer = List.of();
            long index = 1;
            for (AlarmRequest r : c.requests()) {
                KvStoreTxn txn = store.beginWrite();
                txn.beginEntry();
                answer = alarms.apply(txn, r).getAlarmsList();
                txn.endEntry();
                txn.commit(index++);
                alarms.committed();
            }
            assertThat(answer).isEqualTo(c.lastAnswer());
            assertThat(alarms.list(AlarmType.NONE)).isEqualTo(c.raised());
            Alarms reloaded = new Alarms();
            reloaded.reload(store.alarms());
            assertThat(reloaded.list(AlarmType.NONE)).as("as stored").isEqualTo(c.raised());
        }
    }

    @Test
    void aBatchsAlarmsShowToReadersOnceWrittenAndNotAtAllWhenGivenUp(@TempDir Path dir) {
        Alarms alarms = new Alarms();
        try (KvStore store = store(dir)) {
            KvStoreTxn txn = store.beginWrite();
            txn.beginEntry();
            alarms.apply(txn, req(AlarmAction.ACTIVATE, 1, NOSPACE));
            txn.endEntry();
            assertThat(alarms.noSpaceWhileApplying()).as("later entries of the batch").isTrue();
            assertThat(alarms.noSpace()).as("readers, before the batch is written").isFalse();
            txn.abandon();
            alarms.abandoned();
            assertThat(alarms.noSpaceWhileApplying()).isFalse();

            txn = store.beginWrite();
            txn.beginEntry();
            alarms.apply(txn, req(AlarmAction.ACTIVATE, 1, NOSPACE));
            txn.endEntry();
            txn.commit(1);
            alarms.committed();
            assertThat(alarms.noSpace()).isTrue();
        }
    }
}
