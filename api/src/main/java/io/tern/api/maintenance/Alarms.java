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
 * <p>The list is read from any thread and changed only on the apply thread.
 */
public final class Alarms {
    private static final System.Logger LOG = System.getLogger(Alarms.class.getName());

    private volatile List<AlarmMember> active = List.of();

    /** The raised alarms of {@code type}, or all of them for {@link AlarmType#NONE}. */
    public List<AlarmMember> list(AlarmType type) {
        return type == AlarmType.NONE ? active
                : active.stream().filter(a -> a.getAlarm() == type).toList();
    }

    /** True while some member's NOSPACE alarm is raised. */
    public boolean noSpace() {
        return active.stream().anyMatch(a -> a.getAlarm() == AlarmType.NOSPACE);
    }

    /** Takes the list from a store's record (start, snapshot install); null means none raised. */
    public void reload(byte[] record) {
        active = decode(record);
    }

    /**
     * Applies an alarm request inside {@code txn}, as etcd does: GET lists (filtered by type unless NONE);
     * ACTIVATE raises the alarm for the member unless the type is NONE, answering with it even when it was
     * raised already; DEACTIVATE lowers it, answering with it, or with nothing when it was not raised.
     */
    public AlarmResponse.Builder apply(KvStoreTxn txn, AlarmRequest r) {
        List<AlarmMember> current = decode(txn.alarms());
        AlarmResponse.Builder out = AlarmResponse.newBuilder();
        AlarmMember m = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(r.getAlarm()).build();
        switch (r.getAction()) {
            case GET -> out.addAllAlarms(r.getAlarm() == AlarmType.NONE ? current
                    : current.stream().filter(a -> a.getAlarm() == r.getAlarm()).toList());
            case ACTIVATE -> {
                if (r.getAlarm() == AlarmType.NONE) {
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
            case DEACTIVATE -> {
                if (current.contains(m)) {
                    out.addAlarms(m);
                    List<AlarmMember> next = new ArrayList<>(current);
                    next.remove(m);
                    store(txn, next);
                    LOG.log(System.Logger.Level.WARNING, "alarm {0} of member {1} disarmed", m.getAlarm(),
                            Long.toHexString(m.getMemberID()));
                }
            }
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown alarm action " + r.getActionValue());
        }
        return out;
    }

    /** Writes the list and makes it current at once, so later entries of the same batch obey it. */
    private void store(KvStoreTxn txn, List<AlarmMember> next) {
        txn.putAlarms(AlarmResponse.newBuilder().addAllAlarms(next).build().toByteArray());
        active = List.copyOf(next);
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
