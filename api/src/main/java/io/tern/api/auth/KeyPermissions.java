package io.tern.api.auth;

import io.tern.api.proto.authpb.Permission;
import io.tern.api.proto.authpb.Role;
import io.tern.api.proto.authpb.User;
import io.tern.api.proto.raft.AuthData;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One user's key permissions over all of its roles, merged into disjoint intervals per kind, as etcd's
 * range permission cache does. A permission or request with no range end is the one key; a range end of
 * a single 0 byte means every key from the start on. A request is allowed when one merged interval
 * covers all of it.
 */
final class KeyPermissions {
    /** Merged {@code [start, end)} intervals in start order; a null end is unbounded. */
    private final List<byte[][]> read;
    private final List<byte[][]> write;

    private KeyPermissions(List<byte[][]> read, List<byte[][]> write) {
        this.read = read;
        this.write = write;
    }

    static KeyPermissions of(AuthData data, User user) {
        List<byte[][]> read = new ArrayList<>();
        List<byte[][]> write = new ArrayList<>();
        for (String roleName : user.getRolesList()) {
            Role role = AuthApply.role(data, roleName);
            if (role == null) {
                continue;
            }
            for (Permission p : role.getKeyPermissionList()) {
                byte[][] ivl = interval(p.getKey().toByteArray(), p.getRangeEnd().toByteArray());
                switch (p.getPermType()) {
                    case READ -> read.add(ivl);
                    case WRITE -> write.add(ivl);
                    case READWRITE -> {
                        read.add(ivl);
                        write.add(ivl);
                    }
                    case UNRECOGNIZED -> { }
                }
            }
        }
        return new KeyPermissions(merge(read), merge(write));
    }

    boolean canRead(byte[] key, byte[] rangeEnd) {
        return covers(read, interval(key, rangeEnd));
    }

    boolean canWrite(byte[] key, byte[] rangeEnd) {
        return covers(write, interval(key, rangeEnd));
    }

    private static byte[][] interval(byte[] key, byte[] rangeEnd) {
        if (rangeEnd.length == 0) {
            byte[] next = Arrays.copyOf(key, key.length + 1); // the key's immediate successor
            return new byte[][] {key, next};
        }
        if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            return new byte[][] {key, null};
        }
        return new byte[][] {key, rangeEnd};
    }

    private static List<byte[][]> merge(List<byte[][]> ivls) {
        ivls.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        List<byte[][]> out = new ArrayList<>();
        for (byte[][] ivl : ivls) {
            byte[][] last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && (last[1] == null || Arrays.compareUnsigned(ivl[0], last[1]) <= 0)) {
                if (last[1] != null && (ivl[1] == null || Arrays.compareUnsigned(ivl[1], last[1]) > 0)) {
                    last[1] = ivl[1];
                }
            } else {
                out.add(new byte[][] {ivl[0], ivl[1]});
            }
        }
        return out;
    }

    private static boolean covers(List<byte[][]> merged, byte[][] req) {
        for (byte[][] ivl : merged) {
            if (Arrays.compareUnsigned(ivl[0], req[0]) > 0) {
                return false; // later intervals start even further right
            }
            boolean endOk = ivl[1] == null || (req[1] != null && Arrays.compareUnsigned(req[1], ivl[1]) <= 0);
            if (endOk) {
                return true;
            }
        }
        return false;
    }
}
