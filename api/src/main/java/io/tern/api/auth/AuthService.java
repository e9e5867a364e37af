package io.tern.api.auth;

import io.tern.api.apply.Proposer;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.authpb.Role;
import io.tern.api.proto.authpb.User;
import io.tern.api.proto.etcdserverpb.*;
import io.tern.api.proto.raft.AuthApplied;
import io.tern.api.proto.raft.AuthChange;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.api.proto.raft.SimpleToken;
import io.tern.spi.consensus.ConsensusEngine;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * etcd's Auth API: changes go through the log (passwords hashed here first, so the log and the store
 * only ever hold bcrypt hashes); reads wait for a read barrier and answer from the replicated data.
 * Who may call what is {@link AuthGuard}'s business, checked before these methods run.
 *
 * <p>Password guessing is slowed two ways: at most one bcrypt check per core runs at a time, and a
 * failed {@code Authenticate} answers only after {@code failureDelay}, so one connection cannot try
 * more than one password per delay and many cannot beat the CPU's bcrypt rate.
 */
public final class AuthService {
    private final Proposer proposer;
    private final ConsensusEngine consensus;
    private final AuthStore auth;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final Duration failureDelay;
    private final Semaphore checks = new Semaphore(Runtime.getRuntime().availableProcessors());

    public AuthService(Proposer proposer, AuthStore auth, Supplier<KvStore> store, ResponseHeaders headers,
                       Duration failureDelay) {
        this.proposer = proposer;
        this.consensus = proposer.consensus();
        this.auth = auth;
        this.store = store;
        this.headers = headers;
        this.failureDelay = failureDelay;
    }

    public CompletableFuture<AuthEnableResponse> enable(AuthEnableRequest r) {
        return change(AuthChange.newBuilder().setEnable(r))
                .thenApply(a -> AuthEnableResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthDisableResponse> disable(AuthDisableRequest r) {
        return change(AuthChange.newBuilder().setDisable(r))
                .thenApply(a -> AuthDisableResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthStatusResponse> status(AuthStatusRequest r) {
        return read().thenApply(h -> {
            var data = auth.data();
            return AuthStatusResponse.newBuilder().setHeader(h)
                    .setEnabled(data.getEnabled()).setAuthRevision(data.getRevision()).build();
        });
    }

    /** Blocks the calling (virtual) thread for the password check and, on failure, the delay. */
    public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r) {
        var data = auth.data();
        if (!data.getEnabled()) {
            return CompletableFuture.failedFuture(EtcdError.AUTH_NOT_ENABLED.exception());
        }
        User u = AuthApply.user(data, r.getName());
        if (u == null || !verify(u, r.getPassword())) {
            try {
                Thread.sleep(failureDelay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.failedFuture(EtcdError.AUTH_FAILED.exception());
        }
        String token = auth.newToken(r.getName(), data.getRevision());
        SimpleToken t = SimpleToken.newBuilder().setUser(r.getName()).setToken(token).setRevision(data.getRevision()).build();
        return change(AuthChange.newBuilder().setAuthenticate(t))
                .thenApply(a -> AuthenticateResponse.newBuilder().setHeader(a.getHeader()).setToken(token).build());
    }

    private boolean verify(User u, String password) {
        checks.acquireUninterruptibly();
        try {
            return AuthStore.passwordMatches(u, password);
        } finally {
            checks.release();
        }
    }

    public CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest r) {
        AuthUserAddRequest.Builder b = r.toBuilder().clearPassword().clearHashedPassword();
        if (!r.getOptions().getNoPassword()) {
            b.setHashedPassword(r.getHashedPassword().isEmpty() ? auth.hash(r.getPassword()) : r.getHashedPassword());
        }
        return change(AuthChange.newBuilder().setUserAdd(b))
                .thenApply(a -> AuthUserAddResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthUserGetResponse> userGet(AuthUserGetRequest r) {
        return read().thenApply(h -> {
            User u = AuthApply.user(auth.data(), r.getName());
            if (u == null) {
                throw EtcdError.USER_NOT_FOUND.exception();
            }
            return AuthUserGetResponse.newBuilder().setHeader(h).addAllRoles(u.getRolesList()).build();
        });
    }

    public CompletableFuture<AuthUserListResponse> userList(AuthUserListRequest r) {
        return read().thenApply(h -> {
            AuthUserListResponse.Builder b = AuthUserListResponse.newBuilder().setHeader(h);
            auth.data().getUsersList().forEach(u -> b.addUsers(u.getName().toStringUtf8()));
            return b.build();
        });
    }

    public CompletableFuture<AuthUserDeleteResponse> userDelete(AuthUserDeleteRequest r) {
        return change(AuthChange.newBuilder().setUserDelete(r))
                .thenApply(a -> AuthUserDeleteResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthUserChangePasswordRequest r) {
        String hash = r.getHashedPassword().isEmpty() ? auth.hash(r.getPassword()) : r.getHashedPassword();
        return change(AuthChange.newBuilder().setUserChangePassword(
                        r.toBuilder().clearPassword().setHashedPassword(hash)))
                .thenApply(a -> AuthUserChangePasswordResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthUserGrantRoleRequest r) {
        return change(AuthChange.newBuilder().setUserGrantRole(r))
                .thenApply(a -> AuthUserGrantRoleResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthUserRevokeRoleRequest r) {
        return change(AuthChange.newBuilder().setUserRevokeRole(r))
                .thenApply(a -> AuthUserRevokeRoleResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthRoleAddResponse> roleAdd(AuthRoleAddRequest r) {
        return change(AuthChange.newBuilder().setRoleAdd(r))
                .thenApply(a -> AuthRoleAddResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthRoleGetResponse> roleGet(AuthRoleGetRequest r) {
        return read().thenApply(h -> {
            Role role = AuthApply.role(auth.data(), r.getRole());
            if (role == null) {
                throw EtcdError.ROLE_NOT_FOUND.exception();
            }
            return AuthRoleGetResponse.newBuilder().setHeader(h).addAllPerm(role.getKeyPermissionList()).build();
        });
    }

    public CompletableFuture<AuthRoleListResponse> roleList(AuthRoleListRequest r) {
        return read().thenApply(h -> {
            AuthRoleListResponse.Builder b = AuthRoleListResponse.newBuilder().setHeader(h);
            auth.data().getRolesList().forEach(x -> b.addRoles(x.getName().toStringUtf8()));
            return b.build();
        });
    }

    public CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthRoleDeleteRequest r) {
        return change(AuthChange.newBuilder().setRoleDelete(r))
                .thenApply(a -> AuthRoleDeleteResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest r) {
        return change(AuthChange.newBuilder().setRoleGrantPermission(r))
                .thenApply(a -> AuthRoleGrantPermissionResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(AuthRoleRevokePermissionRequest r) {
        return change(AuthChange.newBuilder().setRoleRevokePermission(r))
                .thenApply(a -> AuthRoleRevokePermissionResponse.newBuilder().setHeader(a.getHeader()).build());
    }

    private CompletableFuture<AuthApplied> change(AuthChange.Builder change) {
        return proposer.propose(RaftRequest.newBuilder().setAuth(change).build(), AuthApplied.class);
    }

    private CompletableFuture<ResponseHeader> read() {
        return consensus.readBarrier().thenApply(v ->
                headers.header(store.get().currentRevision(), consensus.term()));
    }
}
