package io.tern.api.error;

import io.grpc.Status;

/**
 * Every error Tern answers with, as etcd answers it: the gRPC status code and the exact message clients
 * match on. Nothing else in Tern spells these strings.
 */
public enum EtcdError {
    EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
    KEY_NOT_FOUND(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
    VALUE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
    LEASE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
    TOO_MANY_OPS(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
    DUPLICATE_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
    COMPACTED(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
    FUTURE_REV(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
    NO_SPACE(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),

    LEASE_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: requested lease not found"),
    LEASE_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists"),
    LEASE_TTL_TOO_LARGE(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),

    WATCH_CANCELED(Status.Code.CANCELLED, "etcdserver: watch canceled"),

    MEMBER_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
    PEER_URL_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
    MEMBER_NOT_ENOUGH_STARTED(Status.Code.FAILED_PRECONDITION,
            "etcdserver: re-configuration failed due to not enough started members"),
    MEMBER_BAD_URLS(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
    MEMBER_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: member not found"),
    MEMBER_NOT_LEARNER(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
    LEARNER_NOT_READY(Status.Code.FAILED_PRECONDITION,
            "etcdserver: can only promote a learner member which is in sync with leader"),
    TOO_MANY_LEARNERS(Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),

    REQUEST_TOO_LARGE(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large"),
    TOO_MANY_REQUESTS(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),

    ROOT_USER_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
    ROOT_ROLE_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
    USER_ALREADY_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists"),
    USER_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty"),
    USER_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found"),
    ROLE_ALREADY_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: role name already exists"),
    ROLE_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found"),
    ROLE_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty"),
    AUTH_FAILED(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
    PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied"),
    ROLE_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
    PERMISSION_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
    AUTH_NOT_ENABLED(Status.Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
    INVALID_AUTH_TOKEN(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token"),
    INVALID_AUTH_MGMT(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
    AUTH_OLD_REVISION(Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old"),

    NO_LEADER(Status.Code.UNAVAILABLE, "etcdserver: no leader"),
    // etcd's election service returns these without a gRPC status: clients see UNKNOWN.
    ELECTION_NOT_LEADER(Status.Code.UNKNOWN, "election: not leader"),
    ELECTION_NO_LEADER(Status.Code.UNKNOWN, "election: no leader"),
    ELECTION_LEADER_MISSING(Status.Code.UNKNOWN, "\"leader\" field must be provided"),
    NOT_LEADER(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"),
    LEADER_CHANGED(Status.Code.UNAVAILABLE, "etcdserver: leader changed"),
    NOT_CAPABLE(Status.Code.UNAVAILABLE, "etcdserver: not capable"),
    STOPPED(Status.Code.UNAVAILABLE, "etcdserver: server stopped"),
    TIMEOUT(Status.Code.UNAVAILABLE, "etcdserver: request timed out"),
    TIMEOUT_DUE_TO_LEADER_FAIL(Status.Code.UNAVAILABLE,
            "etcdserver: request timed out, possibly due to previous leader failure"),
    TIMEOUT_DUE_TO_CONNECTION_LOST(Status.Code.UNAVAILABLE,
            "etcdserver: request timed out, possibly due to connection lost"),
    TIMEOUT_WAIT_APPLIED_INDEX(Status.Code.UNAVAILABLE,
            "etcdserver: request timed out, waiting for the applied index took too long"),
    UNHEALTHY(Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster"),
    CORRUPT(Status.Code.DATA_LOSS, "etcdserver: corrupt cluster"),
    NOT_SUPPORTED_FOR_LEARNER(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner"),
    TIMEOUT_LEADER_TRANSFER(Status.Code.UNAVAILABLE,
            "etcdserver: request timed out, leader transfer took too long"),
    BAD_LEADER_TRANSFEREE(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
    /** Tern's own: etcd takes any number, Tern refuses one it cannot store or act on before the log. */
    UNKNOWN_ALARM(Status.Code.INVALID_ARGUMENT, "etcdserver: unknown alarm action or type");

    private final Status.Code code;
    private final String message;

    EtcdError(Status.Code code, String message) {
        this.code = code;
        this.message = message;
    }

    public Status.Code code() {
        return code;
    }

    public String message() {
        return message;
    }

    /** A throwable carrying this error, for the mapper to translate. */
    public EtcdException exception() {
        return new EtcdException(this);
    }
}
