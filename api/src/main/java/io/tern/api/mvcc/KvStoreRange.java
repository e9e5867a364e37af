package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.mvccpb.KeyValue;
import io.tern.spi.storage.ReadView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * etcd's Range over a read view: revision checks, limit and {@code more}, count, filters and sorting,
 * with etcd's quirks kept (count ignores the revision filters; a sort or filter fetches everything first).
 */
final class KvStoreRange {
    private KvStoreRange() {
    }

    /**
     * @param current the revision the view is at; reads without an explicit revision read there
     */
    static RangeResponse.Builder range(ReadView view, RangeRequest r, long current, long compacted) {
        long rev = r.getRevision() > 0 ? r.getRevision() : current;
        if (rev > current) {
            throw EtcdError.FUTURE_REV.exception();
        }
        if (rev < compacted) {
            throw EtcdError.COMPACTED.exception();
        }
        RangeResponse.Builder out = RangeResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(current));
        byte[] key = r.getKey().toByteArray();
        byte[] end = rangeEnd(key, r.getRangeEnd());
        if (end == NO_KEYS) {
            return out;
        }

        boolean filtered = r.getMinModRevision() != 0 || r.getMaxModRevision() != 0
                || r.getMinCreateRevision() != 0 || r.getMaxCreateRevision() != 0;
        RangeRequest.SortOrder order = r.getSortOrder();
        if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
            order = RangeRequest.SortOrder.ASCEND;
        }
        boolean keyOrder = r.getSortTarget() == RangeRequest.SortTarget.KEY;
        // Key order comes from the scan itself; any other order needs every key before the limit applies.
        boolean needAll = filtered || !keyOrder;
        boolean reverse = keyOrder && order == RangeRequest.SortOrder.DESCEND;
        long limit = r.getLimit() > 0 && !needAll ? r.getLimit() : Long.MAX_VALUE;
        boolean keysOnly = r.getKeysOnly();
        boolean countOnly = r.getCountOnly();

        List<KeyValue> kvs = new ArrayList<>();
        long[] count = {0};
        VersionScan.live(view, key, end, rev, reverse, (storageKey, record) -> {
            count[0]++;
            if (!countOnly && kvs.size() < limit) {
                kvs.add(VersionRecord.decode(record).toKeyValue(
                        KeyLayout.userKey(storageKey), KeyLayout.versionMain(storageKey), keysOnly && !needsValue(r)));
            }
            return true;
        });
        out.setCount(count[0]);
        if (countOnly) {
            return out;
        }

        List<KeyValue> result = filtered ? filter(kvs, r) : kvs;
        if (!keyOrder || order == RangeRequest.SortOrder.DESCEND && !reverse) {
            result = new ArrayList<>(result);
            Comparator<KeyValue> cmp = comparator(r.getSortTarget());
            result.sort(order == RangeRequest.SortOrder.DESCEND ? cmp.reversed() : cmp);
        }
        if (r.getLimit() > 0 && result.size() > r.getLimit()) {
            result = result.subList(0, (int) r.getLimit());
            out.setMore(true);
        } else if (r.getLimit() > 0 && !needAll && count[0] > r.getLimit()) {
            out.setMore(true);
        }
        if (keysOnly && needsValue(r)) {
            List<KeyValue> stripped = new ArrayList<>(result.size());
            for (KeyValue kv : result) {
                stripped.add(kv.toBuilder().clearValue().build());
            }
            result = stripped;
        }
        out.addAllKvs(result);
        return out;
    }

    /** Sorting by value needs the value even when the answer leaves it out. */
    private static boolean needsValue(RangeRequest r) {
        return r.getSortTarget() == RangeRequest.SortTarget.VALUE;
    }

    static final byte[] NO_KEYS = new byte[0];

    /**
     * The exclusive end of a request's key range, etcd's rules: empty = the key alone; "\0" = every key
     * from {@code key} on ({@code null}); an end at or before the key = no keys ({@link #NO_KEYS}).
     */
    static byte[] rangeEnd(byte[] key, ByteString rangeEnd) {
        if (rangeEnd.isEmpty()) {
            byte[] single = java.util.Arrays.copyOf(key, key.length + 1);
            return single;
        }
        if (rangeEnd.size() == 1 && rangeEnd.byteAt(0) == 0) {
            return null;
        }
        byte[] end = rangeEnd.toByteArray();
        return java.util.Arrays.compareUnsigned(end, key) <= 0 ? NO_KEYS : end;
    }

    private static List<KeyValue> filter(List<KeyValue> kvs, RangeRequest r) {
        List<KeyValue> out = new ArrayList<>(kvs.size());
        for (KeyValue kv : kvs) {
            if (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision()) {
                continue;
            }
            if (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision()) {
                continue;
            }
            if (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()) {
                continue;
            }
            if (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision()) {
                continue;
            }
            out.add(kv);
        }
        return out;
    }

    private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
        return switch (target) {
            case KEY, UNRECOGNIZED -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getKey(), b.getKey());
            case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
            case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
            case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
            case VALUE -> (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getValue(), b.getValue());
        };
    }
}
