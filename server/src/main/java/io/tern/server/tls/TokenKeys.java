package io.tern.server.tls;

import io.tern.api.auth.TokenSettings;
import io.tern.server.config.AuthToken;
import io.tern.server.config.ServerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Optional;

/** Reads the key files {@code --auth-token jwt,...} names into the auth store's token settings. */
public final class TokenKeys {
    private TokenKeys() {
    }

    public static TokenSettings settings(ServerConfig.Auth auth) {
        AuthToken t = auth.token();
        if (!t.jwt()) {
            return new TokenSettings.Simple(auth.tokenTtl());
        }
        if (t.signMethod().startsWith("HS")) {
            // etcd's HMAC methods take the priv-key file's bytes as the shared secret.
            try {
                byte[] secret = Files.readAllBytes(t.privateKey()
                        .orElseThrow(() -> new IllegalArgumentException("--auth-token: auth: missing key data (priv-key)")));
                return new TokenSettings.Jwt(t.signMethod(), Optional.empty(), Optional.empty(), Optional.of(secret), t.ttl());
            } catch (IOException e) {
                throw new IllegalArgumentException("--auth-token: cannot read " + t.privateKey().get() + ": " + e.getMessage(), e);
            }
        }
        return new TokenSettings.Jwt(t.signMethod(), t.privateKey().map(Pem::privateKey), t.publicKey().map(Pem::publicKey),
                Optional.empty(), t.ttl());
    }
}
