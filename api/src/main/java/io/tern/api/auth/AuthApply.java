package io.tern.api.auth;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.authpb.Permission;
import io.tern.api.proto.authpb.Role;
import io.tern.api.proto.authpb.User;
import io.tern.api.proto.authpb.UserAddOptions;
import io.tern.api.proto.raft.AuthChange;
import io.tern.api.proto.raft.AuthData;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What an {@link AuthChange} does to the {@link AuthData}, as etcd's auth store does it: a pure function,
 * the same on every member. A refused change throws etcd's error and changes nothing; an accepted one
 * bumps the auth revision, except where etcd ignores a request that changes nothing (enabling auth twice,
 * granting a role the user has, disabling auth that is off).
 */
public final class AuthApply {
    static final String ROOT = "root";
    private static final Comparator<User> BY_USER = Comparator.comparing(u -> u.getName().toStringUtf8());
    private static final Comparator<Role> BY_ROLE = Comparator.comparing(r -> r.getName().toStringUtf8());

    private AuthApply() {
    }

    /** The auth data of a store that never had any. */
    public static AuthData initial() {
        return AuthData.newBuilder().setRevision(1).build();
    }

    /** The data after {@code change}; {@code data} itself when nothing changes (a token, an ignored request). */
    public static AuthData apply(AuthData data, AuthChange change) {
        return switch (change.getChangeCase()) {
            case ENABLE -> enable(data);
            case DISABLE -> data.getEnabled() ? bump(data.toBuilder().setEnabled(false)) : data;
            case USER_ADD -> userAdd(data, change.getUserAdd().getName(), change.getUserAdd().getHashedPassword(),
                    change.getUserAdd().getOptions());
            case USER_DELETE -> userDelete(data, change.getUserDelete().getName());
            case USER_CHANGE_PASSWORD -> updateUser(data, change.getUserChangePassword().getName(),
                    u -> u.toBuilder().setPassword(ByteString.copyFromUtf8(
                            change.getUserChangePassword().getHashedPassword())).build());
            case USER_GRANT_ROLE -> grantRole(data, change.getUserGrantRole().getUser(), change.getUserGrantRole().getRole());
            case USER_REVOKE_ROLE -> revokeRole(data, change.getUserRevokeRole().getName(), change.getUserRevokeRole().getRole());
            case ROLE_ADD -> roleAdd(data, change.getRoleAdd().getName());
            case ROLE_DELETE -> roleDelete(data, change.getRoleDelete().getRole());
            case ROLE_GRANT_PERMISSION -> grantPermission(data, change.getRoleGrantPermission().getName(),
                    change.getRoleGrantPermission().getPerm());
            case ROLE_REVOKE_PERMISSION -> revokePermission(data, change.getRoleRevokePermission().getRole(),
                    change.getRoleRevokePermission().getKey(), change.getRoleRevokePermission().getRangeEnd());
            case AUTHENTICATE -> authenticate(data, change.getAuthenticate());
            case CHANGE_NOT_SET -> throw new IllegalStateException("empty auth change");
        };
    }

    private static AuthData enable(AuthData data) {
        if (data.getEnabled()) {
            return data;
        }
        User root = user(data, ROOT);
        if (root == null) {
            throw EtcdError.ROOT_USER_NOT_EXIST.exception();
        }
        if (!root.getRolesList().contains(ROOT)) {
            throw EtcdError.ROOT_ROLE_NOT_EXIST.exception();
        }
        return bump(data.toBuilder().setEnabled(true));
    }

    private static AuthData userAdd(AuthData data, String name, String hash, UserAddOptions options) {
        if (name.isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        if (user(data, name) != null) {
            throw EtcdError.USER_ALREADY_EXIST.exception();
        }
        User.Builder u = User.newBuilder().setName(ByteString.copyFromUtf8(name)).setOptions(options);
        if (!options.getNoPassword()) {
            u.setPassword(ByteString.copyFromUtf8(hash));
        }
        List<User> users = new ArrayList<>(data.getUsersList());
        users.add(u.build());
        users.sort(BY_USER);
        return bump(data.toBuilder().clearUsers().addAllUsers(users));
    }

    private static AuthData userDelete(AuthData data, String name) {
        if (data.getEnabled() && name.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (user(data, name) == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        List<User> users = new ArrayList<>(data.getUsersList());
        users.removeIf(u -> u.getName().toStringUtf8().equals(name));
        return bump(data.toBuilder().clearUsers().addAllUsers(users));
    }

    private static AuthData updateUser(AuthData data, String name, UnaryOperator<User> update) {
        List<User> users = new ArrayList<>(data.getUsersList());
        for (int i = 0; i < users.size(); i++) {
            if (users.get(i).getName().toStringUtf8().equals(name)) {
                users.set(i, update.apply(users.get(i)));
                return bump(data.toBuilder().clearUsers().addAllUsers(users));
            }
        }
        throw EtcdError.USER_NOT_FOUND.exception();
    }

    private static AuthData grantRole(AuthData data, String name, String role) {
        User u = user(data, name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!role.equals(ROOT) && role(data, role) == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        if (u.getRolesList().contains(role)) {
            return data;
        }
        return updateUser(data, name, x -> {
            List<String> roles = new ArrayList<>(x.getRolesList());
            roles.add(role);
            roles.sort(null);
            return x.toBuilder().clearRoles().addAllRoles(roles).build();
        });
    }

    private static AuthData revokeRole(AuthData data, String name, String role) {
        if (data.getEnabled() && name.equals(ROOT) && role.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        User u = user(data, name);
        if (u == null) {
            throw EtcdError.USER_NOT_FOUND.exception();
        }
        if (!u.getRolesList().contains(role)) {
            throw EtcdError.ROLE_NOT_GRANTED.exception();
        }
        return updateUser(data, name, x -> withoutRole(x, role));
    }

    private static User withoutRole(User u, String role) {
        List<String> roles = new ArrayList<>(u.getRolesList());
        roles.remove(role);
        return u.toBuilder().clearRoles().addAllRoles(roles).build();
    }

    private static AuthData roleAdd(AuthData data, String name) {
        if (name.isEmpty()) {
            throw EtcdError.ROLE_EMPTY.exception();
        }
        if (role(data, name) != null) {
            throw EtcdError.ROLE_ALREADY_EXIST.exception();
        }
        List<Role> roles = new ArrayList<>(data.getRolesList());
        roles.add(Role.newBuilder().setName(ByteString.copyFromUtf8(name)).build());
        roles.sort(BY_ROLE);
        return bump(data.toBuilder().clearRoles().addAllRoles(roles));
    }

    /** Deleting a role also revokes it from every user that has it. */
    private static AuthData roleDelete(AuthData data, String name) {
        if (data.getEnabled() && name.equals(ROOT)) {
            throw EtcdError.INVALID_AUTH_MGMT.exception();
        }
        if (role(data, name) == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Role> roles = new ArrayList<>(data.getRolesList());
        roles.removeIf(r -> r.getName().toStringUtf8().equals(name));
        List<User> users = data.getUsersList().stream()
                .map(u -> u.getRolesList().contains(name) ? withoutRole(u, name) : u).toList();
        return bump(data.toBuilder().clearRoles().addAllRoles(roles).clearUsers().addAllUsers(users));
    }

    /** A permission over the same key and range end replaces the earlier one's type. */
    private static AuthData grantPermission(AuthData data, String name, Permission perm) {
        Role r = role(data, name);
        if (r == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = new ArrayList<>(r.getKeyPermissionList());
        perms.removeIf(p -> p.getKey().equals(perm.getKey()) && p.getRangeEnd().equals(perm.getRangeEnd()));
        perms.add(perm);
        perms.sort(Comparator.comparing(Permission::getKey, ByteString.unsignedLexicographicalComparator()));
        return replaceRole(data, r.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    private static AuthData revokePermission(AuthData data, String name, ByteString key, ByteString rangeEnd) {
        Role r = role(data, name);
        if (r == null) {
            throw EtcdError.ROLE_NOT_FOUND.exception();
        }
        List<Permission> perms = new ArrayList<>(r.getKeyPermissionList());
        if (!perms.removeIf(p -> p.getKey().equals(key) && p.getRangeEnd().equals(rangeEnd))) {
            throw EtcdError.PERMISSION_NOT_GRANTED.exception();
        }
        return replaceRole(data, r.toBuilder().clearKeyPermission().addAllKeyPermission(perms).build());
    }

    private static AuthData replaceRole(AuthData data, Role role) {
        List<Role> roles = new ArrayList<>(data.getRolesList());
        roles.replaceAll(r -> r.getName().equals(role.getName()) ? role : r);
        return bump(data.toBuilder().clearRoles().addAllRoles(roles));
    }

    /** The proposing member checked the password at {@code token.revision}; users or roles may have changed since. */
    private static AuthData authenticate(AuthData data, io.tern.api.proto.raft.SimpleToken token) {
        if (!data.getEnabled()) {
            throw EtcdError.AUTH_NOT_ENABLED.exception();
        }
        if (token.getRevision() < data.getRevision()) {
            throw EtcdError.AUTH_OLD_REVISION.exception();
        }
        User u = user(data, token.getUser());
        if (u == null || u.getOptions().getNoPassword()) {
            throw EtcdError.AUTH_FAILED.exception();
        }
        return data;
    }

    private static AuthData bump(AuthData.Builder b) {
        return b.setRevision(b.getRevision() + 1).build();
    }

    static User user(AuthData data, String name) {
        for (User u : data.getUsersList()) {
            if (u.getName().toStringUtf8().equals(name)) {
                return u;
            }
        }
        return null;
    }

    static Role role(AuthData data, String name) {
        for (Role r : data.getRolesList()) {
            if (r.getName().toStringUtf8().equals(name)) {
                return r;
            }
        }
        return null;
    }
}
