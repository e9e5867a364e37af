package io.tern.api.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.authpb.User;
import io.tern.api.proto.raft.AuthChange;
import io.tern.api.proto.raft.AuthData;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This member's view of the replicated auth data, with its simple tokens, and the checks etcd's auth
 * store makes: who a request comes from, and whether that user may touch a key range or administer.
 * The view is replaced whole after each applied auth change, so a check sees one consistent state and
 * a permission change applies at once to every token already handed out.
 */
public final class AuthStore {
    /** Who a request comes from: a user name, or null when it names none. */
    public record Caller(String user) {
        public static final Caller NONE = new Caller(null);
    }

    private record View(AuthData data, Map<String, KeyPermissions> perms) {
        KeyPermissions perms(User u) {
            return perms.computeIfAbsent(u.getName().toStringUtf8(), n -> KeyPermissions.of(data, u));
        }
    }

    private final Tokens tokens;
    /** Set with {@code --auth-token jwt,...}: tokens are then signed and checked here, not kept. */
    private final JwtTokens jwt;
    private final int bcryptCost;
    private volatile View view = new View(AuthApply.initial(), new ConcurrentHashMap<>());

    /**
     * @param tokens     simple tokens (with their TTL) or JWTs (etcd's --auth-token, --auth-token-ttl)
     * @param bcryptCost the cost of password hashes made here (etcd's --bcrypt-cost)
     */
    public AuthStore(TokenSettings tokens, int bcryptCost) {
        switch (tokens) {
            case TokenSettings.Simple s -> {
                this.tokens = new Tokens(s.ttl(), System::nanoTime);
                this.jwt = null;
            }
            case TokenSettings.Jwt j -> {
                this.tokens = new Tokens(j.ttl(), System::nanoTime);
                this.jwt = new JwtTokens(j, java.time.Clock.systemUTC());
            }
        }
        this.bcryptCost = bcryptCost;
    }

    public AuthData data() {
        return view.data();
    }

    public boolean enabled() {
        return view.data().getEnabled();
    }

    /** Replaces the view with {@code data} as stored (start-up, snapshot install); tokens are dropped. */
    public void reload(AuthData data) {
        tokens.clear();
        view = new View(data, new ConcurrentHashMap<>());
    }

    /** Called on the apply thread once {@code change} is committed, leaving {@code after}. */
    public void applied(AuthChange change, AuthData after) {
        switch (change.getChangeCase()) {
            case AUTHENTICATE -> {
                if (jwt == null) {
                    tokens.assign(change.getAuthenticate().getToken(), change.getAuthenticate().getUser());
                }
            }
            case USER_DELETE -> tokens.invalidateUser(change.getUserDelete().getName());
            case USER_CHANGE_PASSWORD -> tokens.invalidateUser(change.getUserChangePassword().getName());
            case DISABLE -> tokens.clear();
            default -> { }
        }
        if (after != view.data()) {
            view = new View(after, new ConcurrentHashMap<>());
        }
    }

    /**
     * The caller a request's credentials name. A token wins; without one, the client certificate's
     * common name does (etcd's rule with --client-cert-auth). An unknown or expired token is refused.
     *
     * @param token      the request's token, or null
     * @param commonName the verified client certificate's CN when client-cert auth is on, or null
     */
    public Caller caller(String token, String commonName) {
        if (!enabled()) {
            return Caller.NONE;
        }
        if (token != null && !token.isEmpty() && jwt != null) {
            JwtTokens.Claims claims = jwt.verify(token);
            if (claims == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            // A JWT holds the rights of its revision: after any auth change the client authenticates again.
            if (claims.revision() < view.data().getRevision()) {
                throw EtcdError.AUTH_OLD_REVISION.exception();
            }
            return new Caller(claims.user());
        }
        if (token != null && !token.isEmpty()) {
            String user = tokens.use(token);
            if (user == null) {
                throw EtcdError.INVALID_AUTH_TOKEN.exception();
            }
            return new Caller(user);
        }
        return commonName == null ? Caller.NONE : new Caller(commonName);
    }

    /** etcd's admin check: auth off, or a user with the root role. */
    public void checkAdmin(Caller caller) {
        View v = view;
        if (!v.data().getEnabled()) {
            return;
        }
        if (!named(caller, v, EtcdError.USER_NOT_FOUND).getRolesList().contains(AuthApply.ROOT)) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    /** True when auth is off or the caller is a root user (no per-key checks needed). */
    public boolean unrestricted(Caller caller) {
        View v = view;
        if (!v.data().getEnabled()) {
            return true;
        }
        User u = caller.user() == null ? null : AuthApply.user(v.data(), caller.user());
        return u != null && u.getRolesList().contains(AuthApply.ROOT);
    }

    /** Read permission over {@code [key, rangeEnd)} (see {@link KeyPermissions} for the range forms). */
    public void checkRead(Caller caller, byte[] key, byte[] rangeEnd) {
        checkKeys(caller, key, rangeEnd, false);
    }

    public void checkWrite(Caller caller, byte[] key, byte[] rangeEnd) {
        checkKeys(caller, key, rangeEnd, true);
    }

    private void checkKeys(Caller caller, byte[] key, byte[] rangeEnd, boolean write) {
        View v = view;
        if (!v.data().getEnabled()) {
            return;
        }
        User u = named(caller, v, EtcdError.PERMISSION_DENIED);
        if (u.getRolesList().contains(AuthApply.ROOT)) {
            return;
        }
        KeyPermissions p = v.perms(u);
        if (!(write ? p.canWrite(key, rangeEnd) : p.canRead(key, rangeEnd))) {
            throw EtcdError.PERMISSION_DENIED.exception();
        }
    }

    /** The caller's user; etcd refuses a caller without a name with USER_EMPTY, an unknown one with {@code unknown}. */
    private static User named(Caller caller, View v, EtcdError unknown) {
        if (caller.user() == null || caller.user().isEmpty()) {
            throw EtcdError.USER_EMPTY.exception();
        }
        User u = AuthApply.user(v.data(), caller.user());
        if (u == null) {
            throw unknown.exception();
        }
        return u;
    }

    /** True when {@code user} has {@code role} (etcd lets a user read its own roles). */
    public boolean hasRole(Caller caller, String role) {
        User u = caller.user() == null ? null : AuthApply.user(view.data(), caller.user());
        return u != null && u.getRolesList().contains(role);
    }

    /** A bcrypt hash of {@code password} at this member's cost. */
    public String hash(String password) {
        return BCrypt.withDefaults().hashToString(bcryptCost, password.toCharArray());
    }

    /** Whether {@code password} is {@code user}'s; false for a user without a password. */
    static boolean passwordMatches(User user, String password) {
        if (user.getOptions().getNoPassword() || user.getPassword().isEmpty()) {
            return false;
        }
        return BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8),
                user.getPassword().toByteArray()).verified;
    }

    /** A token for {@code user}, who just proved its password at auth revision {@code revision}. */
    String newToken(String user, long revision) {
        return jwt != null ? jwt.sign(user, revision) : tokens.generate(revision);
    }
}
