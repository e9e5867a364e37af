package io.tern.api.auth;

import com.google.protobuf.ByteString;
import io.tern.api.proto.authpb.Permission;
import io.tern.api.proto.authpb.Role;
import io.tern.api.proto.authpb.User;
import io.tern.api.proto.raft.AuthData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KeyPermissionsTest {
    /** The user's role grants READ on [a, c) and on key "k" alone, READWRITE from "x" on, WRITE on [c, e). */
    private static final KeyPermissions PERMS = KeyPermissions.of(AuthData.newBuilder()
                    .addRoles(Role.newBuilder().setName(bs("r"))
                            .addKeyPermission(perm(Permission.Type.READ, "a", "b"))
                            .addKeyPermission(perm(Permission.Type.READ, "b", "c"))
                            .addKeyPermission(perm(Permission.Type.READ, "k", ""))
                            .addKeyPermission(perm(Permission.Type.READWRITE, "x", "\0"))
                            .addKeyPermission(perm(Permission.Type.WRITE, "c", "e")))
                    .build(),
            User.newBuilder().setName(bs("u")).addRoles("r").addRoles("missing-role").build());

    record Case(String name, String key, String rangeEnd, boolean read, boolean write) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("a key inside", "a1", "", true, false),
                new Case("adjacent grants merge", "a", "c", true, false),
                new Case("a range past the end", "a", "c1", false, false),
                new Case("the single-key grant", "k", "", true, false),
                new Case("a range over the single key", "k", "k\0", true, false),
                new Case("a range wider than the single key", "k", "l", false, false),
                new Case("from-key under an unbounded grant", "x", "\0", true, true),
                new Case("from-key before the unbounded grant", "w", "\0", false, false),
                new Case("write-only range", "c", "e", false, true),
                new Case("write range across the gap", "c", "f", false, false),
                new Case("nothing granted", "z0", "", true, true),
                new Case("before everything", "0", "", false, false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void coverage(Case c) {
        byte[] key = c.key().getBytes(StandardCharsets.UTF_8);
        byte[] end = c.rangeEnd().getBytes(StandardCharsets.UTF_8);
        assertThat(PERMS.canRead(key, end)).as("read " + c.name()).isEqualTo(c.read());
        assertThat(PERMS.canWrite(key, end)).as("write " + c.name()).isEqualTo(c.write());
    }

    private static Permission perm(Permission.Type type, String key, String end) {
        return Permission.newBuilder().setPermType(type).setKey(bs(key)).setRangeEnd(bs(end)).build();
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }
}
