package io.tern.api.auth;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.authpb.UserAddOptions;
import io.tern.api.proto.etcdserverpb.*;
import io.tern.api.proto.raft.AuthChange;
import io.tern.api.proto.raft.AuthData;
import io.tern.api.proto.raft.SimpleToken;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AuthApplyTest {
    /** Applies {@code setup} in order, then {@code change}: refused with {@code error}, or accepted (null). */
    record Case(String name, List<AuthChange> setup, AuthChange change, EtcdError error, boolean bumps) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static AuthChange userAdd(String name) {
        return AuthChange.newBuilder().setUserAdd(AuthUserAddRequest.newBuilder().setName(name).setHashedPassword("h")
                .setOptions(UserAddOptions.getDefaultInstance())).build();
    }

    private static AuthChange grant(String user, String role) {
        return AuthChange.newBuilder().setUserGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role)).build();
    }

    private static AuthChange roleAdd(String name) {
        return AuthChange.newBuilder().setRoleAdd(AuthRoleAddRequest.newBuilder().setName(name)).build();
    }

    private static final AuthChange ENABLE = AuthChange.newBuilder().setEnable(AuthEnableRequest.getDefaultInstance()).build();

    static List<Case> cases() {
        List<AuthChange> rootReady = List.of(userAdd("root"), grant("root", "root"));
        List<AuthChange> enabled = List.of(userAdd("root"), grant("root", "root"), ENABLE);
        return List.of(
                new Case("enable without root", List.of(), ENABLE, EtcdError.ROOT_USER_NOT_EXIST, false),
                new Case("enable without the root role", List.of(userAdd("root")), ENABLE, EtcdError.ROOT_ROLE_NOT_EXIST, false),
                new Case("enable", rootReady, ENABLE, null, true),
                new Case("enable twice is ignored", enabled, ENABLE, null, false),
                new Case("empty user name", List.of(), userAdd(""), EtcdError.USER_EMPTY, false),
                new Case("duplicate user", List.of(userAdd("a")), userAdd("a"), EtcdError.USER_ALREADY_EXIST, false),
                new Case("root role needs no RoleAdd", List.of(userAdd("a")), grant("a", "root"), null, true),
                new Case("grant an unknown role", List.of(userAdd("a")), grant("a", "r"), EtcdError.ROLE_NOT_FOUND, false),
                new Case("grant to an unknown user", List.of(roleAdd("r")), grant("a", "r"), EtcdError.USER_NOT_FOUND, false),
                new Case("grant a held role is ignored", List.of(userAdd("a"), roleAdd("r"), grant("a", "r")),
                        grant("a", "r"), null, false),
                new Case("empty role name", List.of(), roleAdd(""), EtcdError.ROLE_EMPTY, false),
                new Case("delete root while enabled", enabled,
                        AuthChange.newBuilder().setUserDelete(AuthUserDeleteRequest.newBuilder().setName("root")).build(),
                        EtcdError.INVALID_AUTH_MGMT, false),
                new Case("revoke root's root role while enabled", enabled,
                        AuthChange.newBuilder().setUserRevokeRole(AuthUserRevokeRoleRequest.newBuilder()
                                .setName("root").setRole("root")).build(), EtcdError.INVALID_AUTH_MGMT, false),
                new Case("authenticate while disabled", rootReady,
                        AuthChange.newBuilder().setAuthenticate(SimpleToken.newBuilder().setUser("root").setRevision(99)).build(),
                        EtcdError.AUTH_NOT_ENABLED, false),
                new Case("authenticate checked at an older revision", enabled,
                        AuthChange.newBuilder().setAuthenticate(SimpleToken.newBuilder().setUser("root").setRevision(1)).build(),
                        EtcdError.AUTH_OLD_REVISION, false),
                new Case("authenticate", enabled,
                        AuthChange.newBuilder().setAuthenticate(SimpleToken.newBuilder().setUser("root").setRevision(4)).build(),
                        null, false),
                new Case("revoke a permission never granted", List.of(roleAdd("r")),
                        AuthChange.newBuilder().setRoleRevokePermission(AuthRoleRevokePermissionRequest.newBuilder()
                                .setRole("r").setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))).build(),
                        EtcdError.PERMISSION_NOT_GRANTED, false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void appliesAsEtcdDoes(Case c) {
        AuthData data = AuthApply.initial();
        for (AuthChange s : c.setup()) {
            data = AuthApply.apply(data, s);
        }
        AuthData before = data;
        if (c.error() != null) {
            EtcdException e = catchThrowableOfType(EtcdException.class, () -> AuthApply.apply(before, c.change()));
            assertThat(e).as(c.name()).isNotNull();
            assertThat(e.error()).isEqualTo(c.error());
            return;
        }
        AuthData after = AuthApply.apply(before, c.change());
        assertThat(after.getRevision()).as("revision of " + c.name()).isEqualTo(before.getRevision() + (c.bumps() ? 1 : 0));
    }

    @org.junit.jupiter.api.Test
    void deletingARoleRevokesItFromItsUsers() {
        AuthData data = AuthApply.initial();
        for (AuthChange s : List.of(userAdd("a"), roleAdd("r"), grant("a", "r"),
                AuthChange.newBuilder().setRoleDelete(AuthRoleDeleteRequest.newBuilder().setRole("r")).build())) {
            data = AuthApply.apply(data, s);
        }
        assertThat(AuthApply.user(data, "a").getRolesList()).isEmpty();
        assertThat(data.getRolesList()).isEmpty();
    }
}
