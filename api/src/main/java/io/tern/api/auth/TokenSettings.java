package io.tern.api.auth;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** etcd's {@code --auth-token}: simple tokens, or signed JWTs. */
public sealed interface TokenSettings {

    /**
     * Random tokens each member keeps in memory, handed out through the log.
     *
     * @param ttl how long a token lives past its last use ({@code --auth-token-ttl})
     */
    record Simple(Duration ttl) implements TokenSettings {
        public Simple {
            Objects.requireNonNull(ttl, "ttl");
        }
    }

    /**
     * Self-contained JWTs carrying the user name, the auth revision they were made at, and an expiry.
     * A member with only the public key verifies tokens other members signed but cannot hand any out.
     *
     * @param signMethod a JWS algorithm name: RS256/384/512, PS256/384/512, ES256/384/512, HS256/384/512
     * @param signingKey the private key (or, for HS*, a secret) that signs; empty on a verify-only member
     * @param verifyingKey the public key that checks signatures (for HS*, the secret again)
     * @param hmacSecret  the shared secret for HS* methods; empty otherwise
     * @param ttl         a token's life from when it is made
     */
    record Jwt(String signMethod, Optional<PrivateKey> signingKey, Optional<PublicKey> verifyingKey,
               Optional<byte[]> hmacSecret, Duration ttl) implements TokenSettings {
        public Jwt {
            Objects.requireNonNull(signMethod, "signMethod");
            Objects.requireNonNull(ttl, "ttl");
            if (hmacSecret.isEmpty() && signingKey.isEmpty() && verifyingKey.isEmpty()) {
                throw new IllegalArgumentException("auth: missing key data");
            }
        }
    }
}
