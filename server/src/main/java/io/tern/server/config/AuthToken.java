package io.tern.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * etcd's {@code --auth-token}: {@code simple}, or
 * {@code jwt,pub-key=PATH,priv-key=PATH,sign-method=RS256,ttl=5m} (options in any order; {@code ttl}
 * a Go duration, 5m by default; for HS* methods {@code priv-key} names the file holding the secret).
 *
 * @param jwt        false for simple tokens; the fields below then do not count
 * @param publicKey  {@code pub-key}: PEM public key, enough to verify tokens
 * @param privateKey {@code priv-key}: PEM private key (or HMAC secret file), needed to hand tokens out
 * @param signMethod {@code sign-method}: a JWS algorithm name
 * @param ttl        {@code ttl}: a JWT's life
 */
public record AuthToken(boolean jwt, Optional<Path> publicKey, Optional<Path> privateKey, String signMethod,
                        Duration ttl) {
    public static final AuthToken SIMPLE = new AuthToken(false, Optional.empty(), Optional.empty(), "", Duration.ZERO);

    /** Parses the flag's value, failing with etcd's auth option errors. */
    public static AuthToken parse(String spec) {
        String[] parts = spec.split(",");
        String type = parts[0].trim();
        if ("simple".equals(type) && parts.length == 1) {
            return SIMPLE;
        }
        if (!"jwt".equals(type)) {
            throw new IllegalArgumentException("--auth-token: unknown token type \"" + type
                    + "\" (auth: invalid auth options); expected simple or jwt,...");
        }
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--auth-token: expected key=value, got \"" + p
                        + "\" (auth: invalid auth options)");
            }
            opts.put(p.substring(0, eq), p.substring(eq + 1));
        }
        String method = opts.getOrDefault("sign-method", "");
        if (method.isEmpty()) {
            throw new IllegalArgumentException("--auth-token: auth: invalid auth signature method (sign-method is required)");
        }
        Optional<Path> pub = Optional.ofNullable(opts.get("pub-key")).filter(s -> !s.isEmpty()).map(Path::of);
        Optional<Path> priv = Optional.ofNullable(opts.get("priv-key")).filter(s -> !s.isEmpty()).map(Path::of);
        if (pub.isEmpty() && priv.isEmpty()) {
            throw new IllegalArgumentException("--auth-token: auth: missing key data (pub-key or priv-key)");
        }
        Duration ttl = opts.containsKey("ttl") ? GoDuration.parse("--auth-token ttl", opts.get("ttl")) : Duration.ofMinutes(5);
        return new AuthToken(true, pub, priv, method, ttl);
    }
}
