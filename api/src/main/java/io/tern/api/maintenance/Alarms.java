package io.tern.api.maintenance;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.AlarmMember;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.etcdserverpb.AlarmType;

import java.util.ArrayList;
import java.util.List;

/**
 * The raised alarms (etcd's alarm store): at most one of each type per member, replicated through the
 * log and kept in the store as one record, an {@link AlarmResponse} holding the list. A raised NOSPACE
 * makes the state machine refuse puts, txns that put and lease grants until it is disarmed.
 *
 * <p>The list is read from any thread and changed only on the apply thread; a batch's changes are seen by
 * the batch's later entries at once, and by readers once the batch is written.
 */
public final class Alarms {
    private static final System.Logger LOG = System.getLogger(Alarms.class.getName());

    /** The alarms of the last committed batch: what readers see. */
    private volatile List<AlarmMember> active = List.of();
    /** The apply thread's list while a batch that changed it is open; null otherwise. */
    private List<AlarmMember> pending;

    /** The raised alarms of {@code type}, or all of them for {@link AlarmType#NONE}. */
    public List<AlarmMember> list(AlarmType type) {
        return type == AlarmType.NONE ? active
                : active.stream().filter(a -> a.getAlarm() == type).toList();
    }

    /** True while some member's NOSPACE alarm is raised (as committed). */
    public boolean noSpace() {
        return hasNoSpace(active);
    }

    /** For the apply thread: true while NOSPACE is raised, counting the open batch's own changes. */
    public boolean noSpaceWhileApplying() {
        return hasNoSpace(pending != null ? pending : active);
    }

    private static boolean hasNoSpace(List<AlarmMember> alarms) {
        return alarms.stream().anyMatch(a -> a.getAlarm() == AlarmType.NOSPACE);
    }

    /** Takes the list from a store's record (start, snapshot install); null means none raised. */
    public void reload(byte[] record) {
        pending = null;
        active = decode(record);
    }

    /**
     * Applies an alarm request inside {@code txn}, as etcd does: GET lists (filtered by type unless NONE);
     * ACTIVATE raises the alarm for the member unless the type is NONE, answering with it even when it was
     * raised already; DEACTIVATE lowers it, answering with it, or with nothing when it was not raised; an
     * action this build does not know changes nothing. Types are kept by number, so a type this build does
     * not know is stored and listed like any other. Never throws for a request's content.
     */
    public AlarmResponse.Builder apply(KvStoreTxn txn, AlarmRequest r) {
        List<AlarmMember> current = pending != null ? pending : active;
        AlarmResponse.Builder out = AlarmResponse.newBuilder();
        AlarmMember m = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarmValue(r.getAlarmValue()).build();
        switch (r.getActionValue()) {
            case AlarmRequest.AlarmAction.GET_VALUE -> out.addAllAlarms(r.getAlarmValue() == AlarmType.NONE_VALUE ? current
                    : current.stream().filter(a -> a.getAlarmValue() == r.getAlarmValue()).toList());
            case AlarmRequest.AlarmAction.ACTIVATE_VALUE -> {
                if (r.getAlarmValue() == AlarmType.NONE_VALUE) {
                    break;
                }
                out.addAlarms(m);
                if (!current.contains(m)) {
                    List<AlarmMember> next = new ArrayList<>(current);
                    next.add(m);
                    store(txn, next);
                    LOG.log(System.Logger.Level.WARNING, "alarm {0} raised by member {1}", m.getAlarm(),
                            Long.toHexString(m.getMemberID()));
                }
            }
            case AlarmRequest.AlarmAction.DEACTIVATE_VALUE -> {
                if (current.contains(m)) {
                    out.addAlarms(m);
                    List<AlarmMember> next = new ArrayList<>(current);
                    next.remove(m);
                    store(txn, next);
                    LOG.log(System.Logger.Level.WARNING, "alarm {0} of member {1} disarmed", m.getAlarm(),
                            Long.toHexString(m.getMemberID()));
                }
            }
            default -> LOG.log(System.Logger.Level.WARNING, "ignoring alarm action {0}", r.getActionValue());
        }
        return out;
    }

    /** The open batch was written: its alarm changes become what readers see. */
    public void committed() {
        if (pending != null) {
            active = pending;
            pending = null;
        }
    }

    /** The open batch was given up: its alarm changes are forgotten. */
    public void abandoned() {
        pending = null;
    }

    private void store(KvStoreTxn txn, List<AlarmMember> next) {
        txn.putAlarms(AlarmResponse.newBuilder().addAllAlarms(next).build().toByteArray());
        pending = List.copyOf(next);
    }

    private static List<AlarmMember> decode(byte[] record) {
        if (record == null) {
            return List.of();
        }
        try {
            return List.copyOf(AlarmResponse.parseFrom(record).getAlarmsList());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable alarms record in the store", e);
        }
    }
}
