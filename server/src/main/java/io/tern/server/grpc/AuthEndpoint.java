package io.tern.server.grpc;

import io.grpc.stub.StreamObserver;
import io.tern.api.auth.AuthService;
import io.tern.api.proto.etcdserverpb.*;

/** {@code etcdserverpb.Auth} over gRPC; {@link AuthInterceptor} has checked the caller's rights. */
public final class AuthEndpoint extends AuthGrpc.AuthImplBase {
    private final AuthService auth;

    public AuthEndpoint(AuthService auth) {
        this.auth = auth;
    }

    @Override
    public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> o) {
        Calls.answer(o, () -> auth.enable(r));
    }

    @Override
    public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> o) {
        Calls.answer(o, () -> auth.disable(r));
    }

    @Override
    public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> o) {
        Calls.answer(o, () -> auth.status(r));
    }

    @Override
    public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> o) {
        Calls.answer(o, () -> auth.authenticate(r));
    }

    @Override
    public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> o) {
        Calls.answer(o, () -> auth.userAdd(r));
    }

    @Override
    public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> o) {
        Calls.answer(o, () -> auth.userGet(r));
    }

    @Override
    public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> o) {
        Calls.answer(o, () -> auth.userList(r));
    }

    @Override
    public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> o) {
        Calls.answer(o, () -> auth.userDelete(r));
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest r, StreamObserver<AuthUserChangePasswordResponse> o) {
        Calls.answer(o, () -> auth.userChangePassword(r));
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> o) {
        Calls.answer(o, () -> auth.userGrantRole(r));
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> o) {
        Calls.answer(o, () -> auth.userRevokeRole(r));
    }

    @Override
    public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> o) {
        Calls.answer(o, () -> auth.roleAdd(r));
    }

    @Override
    public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> o) {
        Calls.answer(o, () -> auth.roleGet(r));
    }

    @Override
    public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> o) {
        Calls.answer(o, () -> auth.roleList(r));
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> o) {
        Calls.answer(o, () -> auth.roleDelete(r));
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest r, StreamObserver<AuthRoleGrantPermissionResponse> o) {
        Calls.answer(o, () -> auth.roleGrantPermission(r));
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest r, StreamObserver<AuthRoleRevokePermissionResponse> o) {
        Calls.answer(o, () -> auth.roleRevokePermission(r));
    }
}
