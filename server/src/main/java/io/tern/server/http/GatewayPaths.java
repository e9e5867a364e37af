package io.tern.server.http;

import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AuthDisableRequest;
import io.tern.api.proto.etcdserverpb.AuthEnableRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleAddRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleDeleteRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleGetRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleListRequest;
import io.tern.api.proto.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.tern.api.proto.etcdserverpb.AuthStatusRequest;
import io.tern.api.proto.etcdserverpb.AuthUserAddRequest;
import io.tern.api.proto.etcdserverpb.AuthUserChangePasswordRequest;
import io.tern.api.proto.etcdserverpb.AuthUserDeleteRequest;
import io.tern.api.proto.etcdserverpb.AuthUserGetRequest;
import io.tern.api.proto.etcdserverpb.AuthUserGrantRoleRequest;
import io.tern.api.proto.etcdserverpb.AuthUserListRequest;
import io.tern.api.proto.etcdserverpb.AuthUserRevokeRoleRequest;
import io.tern.api.proto.etcdserverpb.AuthenticateRequest;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.DefragmentRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.HashRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.LeaseLeasesRequest;
import io.tern.api.proto.etcdserverpb.LeaseRevokeRequest;
import io.tern.api.proto.etcdserverpb.LeaseTimeToLiveRequest;
import io.tern.api.proto.etcdserverpb.MemberAddRequest;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.MemberPromoteRequest;
import io.tern.api.proto.etcdserverpb.MemberRemoveRequest;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.v3electionpb.CampaignRequest;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.tern.api.proto.v3electionpb.ProclaimRequest;
import io.tern.api.proto.v3electionpb.ResignRequest;
import io.tern.api.proto.v3lockpb.LockRequest;
import io.tern.api.proto.v3lockpb.UnlockRequest;
import io.tern.server.grpc.AuthEndpoint;
import io.tern.server.grpc.ClusterEndpoint;
import io.tern.server.grpc.ElectionEndpoint;
import io.tern.server.grpc.KvEndpoint;
import io.tern.server.grpc.LeaseEndpoint;
import io.tern.server.grpc.LockEndpoint;
import io.tern.server.grpc.MaintenanceEndpoint;

/**
 * etcd's gateway paths (the {@code google.api.http} annotations of its protos, with the later
 * {@code /v3/auth/status} and {@code /v3/maintenance/hashkv}), each bound to the gRPC endpoint method
 * that answers it.
 */
public final class GatewayPaths {
    private GatewayPaths() {
    }

    /** The endpoints a listener serves over gRPC, for the gateway to reach. */
    public record Endpoints(KvEndpoint kv, LeaseEndpoint lease, ClusterEndpoint cluster, MaintenanceEndpoint maintenance,
                            AuthEndpoint auth, LockEndpoint lock, ElectionEndpoint election) {
    }

    public static Gateway bind(Gateway g, Endpoints e) {
        g.route("/v3/kv/range", RangeRequest.getDefaultInstance(), e.kv()::range)
                .route("/v3/kv/put", PutRequest.getDefaultInstance(), e.kv()::put)
                .route("/v3/kv/deleterange", DeleteRangeRequest.getDefaultInstance(), e.kv()::deleteRange)
                .route("/v3/kv/txn", TxnRequest.getDefaultInstance(), e.kv()::txn)
                .route("/v3/kv/compaction", CompactionRequest.getDefaultInstance(), e.kv()::compact)
                .route("/v3/lease/grant", LeaseGrantRequest.getDefaultInstance(), e.lease()::leaseGrant);
        for (String prefix : new String[] {"/v3/lease/", "/v3/kv/lease/"}) {
            g.route(prefix + "revoke", LeaseRevokeRequest.getDefaultInstance(), e.lease()::leaseRevoke)
                    .route(prefix + "timetolive", LeaseTimeToLiveRequest.getDefaultInstance(), e.lease()::leaseTimeToLive)
                    .route(prefix + "leases", LeaseLeasesRequest.getDefaultInstance(), e.lease()::leaseLeases);
        }
        g.route("/v3/cluster/member/add", MemberAddRequest.getDefaultInstance(), e.cluster()::memberAdd)
                .route("/v3/cluster/member/remove", MemberRemoveRequest.getDefaultInstance(), e.cluster()::memberRemove)
                .route("/v3/cluster/member/update", MemberUpdateRequest.getDefaultInstance(), e.cluster()::memberUpdate)
                .route("/v3/cluster/member/list", MemberListRequest.getDefaultInstance(), e.cluster()::memberList)
                .route("/v3/cluster/member/promote", MemberPromoteRequest.getDefaultInstance(), e.cluster()::memberPromote)
                .route("/v3/maintenance/alarm", AlarmRequest.getDefaultInstance(), e.maintenance()::alarm)
                .route("/v3/maintenance/status", StatusRequest.getDefaultInstance(), e.maintenance()::status)
                .route("/v3/maintenance/defragment", DefragmentRequest.getDefaultInstance(), e.maintenance()::defragment)
                .route("/v3/maintenance/hash", HashRequest.getDefaultInstance(), e.maintenance()::hash)
                .route("/v3/maintenance/hashkv", HashKVRequest.getDefaultInstance(), e.maintenance()::hashKV)
                .route("/v3/maintenance/transfer-leadership", MoveLeaderRequest.getDefaultInstance(), e.maintenance()::moveLeader)
                .route("/v3/auth/enable", AuthEnableRequest.getDefaultInstance(), e.auth()::authEnable)
                .route("/v3/auth/disable", AuthDisableRequest.getDefaultInstance(), e.auth()::authDisable)
                .route("/v3/auth/status", AuthStatusRequest.getDefaultInstance(), e.auth()::authStatus)
                .route("/v3/auth/authenticate", AuthenticateRequest.getDefaultInstance(), e.auth()::authenticate)
                .route("/v3/auth/user/add", AuthUserAddRequest.getDefaultInstance(), e.auth()::userAdd)
                .route("/v3/auth/user/get", AuthUserGetRequest.getDefaultInstance(), e.auth()::userGet)
                .route("/v3/auth/user/list", AuthUserListRequest.getDefaultInstance(), e.auth()::userList)
                .route("/v3/auth/user/delete", AuthUserDeleteRequest.getDefaultInstance(), e.auth()::userDelete)
                .route("/v3/auth/user/changepw", AuthUserChangePasswordRequest.getDefaultInstance(), e.auth()::userChangePassword)
                .route("/v3/auth/user/grant", AuthUserGrantRoleRequest.getDefaultInstance(), e.auth()::userGrantRole)
                .route("/v3/auth/user/revoke", AuthUserRevokeRoleRequest.getDefaultInstance(), e.auth()::userRevokeRole)
                .route("/v3/auth/role/add", AuthRoleAddRequest.getDefaultInstance(), e.auth()::roleAdd)
                .route("/v3/auth/role/get", AuthRoleGetRequest.getDefaultInstance(), e.auth()::roleGet)
                .route("/v3/auth/role/list", AuthRoleListRequest.getDefaultInstance(), e.auth()::roleList)
                .route("/v3/auth/role/delete", AuthRoleDeleteRequest.getDefaultInstance(), e.auth()::roleDelete)
                .route("/v3/auth/role/grant", AuthRoleGrantPermissionRequest.getDefaultInstance(), e.auth()::roleGrantPermission)
                .route("/v3/auth/role/revoke", AuthRoleRevokePermissionRequest.getDefaultInstance(), e.auth()::roleRevokePermission)
                .route("/v3/lock/lock", LockRequest.getDefaultInstance(), e.lock()::lock)
                .route("/v3/lock/unlock", UnlockRequest.getDefaultInstance(), e.lock()::unlock)
                .route("/v3/election/campaign", CampaignRequest.getDefaultInstance(), e.election()::campaign)
                .route("/v3/election/proclaim", ProclaimRequest.getDefaultInstance(), e.election()::proclaim)
                .route("/v3/election/leader", LeaderRequest.getDefaultInstance(), e.election()::leader)
                .route("/v3/election/resign", ResignRequest.getDefaultInstance(), e.election()::resign)
                .streamRoute("/v3/election/observe", LeaderRequest.getDefaultInstance(), e.election()::observe);
        return g;
    }
}
