package io.tern.api.mvcc;

import io.tern.spi.storage.Bytes;
import io.tern.spi.storage.ReadView;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads of the records kept beside the key space (layout in {@link KeyLayout}): leases, their key
 * attachments, and cluster members.
 */
final class KvStoreLeases {
    private KvStoreLeases() {
    }

    /** The user keys attached to lease {@code id}, in key order. */
    static List<byte[]> attachedKeys(ReadView view, long id) {
        byte[] prefix = KeyLayout.attachedPrefix(id);
        List<byte[]> keys = new ArrayList<>();
        view.scan(prefix, Bytes.prefixEnd(prefix), false, (k, v) -> {
            keys.add(java.util.Arrays.copyOfRange(k, prefix.length, k.length));
            return true;
        });
        return keys;
    }

    /** Visits every granted lease as (id, granted TTL). */
    static void leases(ReadView view, KvStore.LeaseVisitor visitor) {
        byte[] from = {KeyLayout.LEASES};
        byte[] to = {KeyLayout.LEASES + 1};
        view.scan(from, to, false, (k, v) -> {
            visitor.lease(KeyLayout.leaseId(k), KeyLayout.decodeLong(v));
            return true;
        });
    }

    /** Visits every member record in unsigned id order. */
    static void members(ReadView view, KvStore.MemberVisitor visitor) {
        byte[] from = {KeyLayout.MEMBERS};
        byte[] to = {KeyLayout.MEMBERS + 1};
        view.scan(from, to, false, (k, v) -> {
            visitor.member(KeyLayout.memberId(k), v);
            return true;
        });
    }
}
