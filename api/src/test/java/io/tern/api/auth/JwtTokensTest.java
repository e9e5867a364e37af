package io.tern.api.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Signed tokens carry user and revision; anything not signed by this key and method, or expired, is no token. */
class JwtTokensTest {
    private static final KeyPair RSA = pair("RSA");
    private static final KeyPair OTHER_RSA = pair("RSA");
    private static final KeyPair EC = pair("EC");

    /** A token made at t=0 by {@code signer}, altered, then checked at {@code checkedAfter} by {@code checker}. */
    record Case(String name, TokenSettings.Jwt signer, TokenSettings.Jwt checker, UnaryOperator<String> alter,
                Duration checkedAfter, boolean valid) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        TokenSettings.Jwt rs = rsa("RS256", RSA);
        return List.of(
                new Case("RS256", rs, rs, t -> t, Duration.ZERO, true),
                new Case("PS384", rsa("PS384", RSA), rsa("PS384", RSA), t -> t, Duration.ZERO, true),
                new Case("ES256", es(true), es(true), t -> t, Duration.ZERO, true),
                new Case("HS512", hs("HS512"), hs("HS512"), t -> t, Duration.ZERO, true),
                new Case("verify-only member checks", rs, new TokenSettings.Jwt("RS256", Optional.empty(),
                        Optional.of(RSA.getPublic()), Optional.empty(), Duration.ofMinutes(5)), t -> t, Duration.ZERO, true),
                new Case("expired", rs, rs, t -> t, Duration.ofMinutes(6), false),
                new Case("another key", rsa("RS256", OTHER_RSA), rs, t -> t, Duration.ZERO, false),
                new Case("another method, same key", rsa("RS512", RSA), rs, t -> t, Duration.ZERO, false),
                new Case("claims changed", rs, rs, JwtTokensTest::renameUser, Duration.ZERO, false),
                new Case("unsigned (alg none)", rs, rs, t -> base64("{\"alg\":\"none\"}") + "." + t.split("\\.")[1] + ".",
                        Duration.ZERO, false),
                new Case("not a JWT", rs, rs, t -> "abcdefghijklmnop.7", Duration.ZERO, false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void verifiesOnlyItsOwnLiveTokens(Case c) {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        String token = c.alter().apply(new JwtTokens(c.signer(), Clock.fixed(t0, ZoneOffset.UTC)).sign("alice", 7));
        JwtTokens.Claims claims = new JwtTokens(c.checker(), Clock.fixed(t0.plus(c.checkedAfter()), ZoneOffset.UTC))
                .verify(token);
        if (c.valid()) {
            assertThat(claims).isEqualTo(new JwtTokens.Claims("alice", 7));
        } else {
            assertThat(claims).isNull();
        }
    }

    @ParameterizedTest
    @MethodSource("badSettings")
    void refusesUnusableSettings(TokenSettings.Jwt settings, String error) {
        assertThat(catchThrowable(() -> new JwtTokens(settings, Clock.systemUTC()).sign("a", 1))).hasMessageContaining(error);
    }

    static List<org.junit.jupiter.params.provider.Arguments> badSettings() {
        return List.of(
                org.junit.jupiter.params.provider.Arguments.of(new TokenSettings.Jwt("RS256", Optional.empty(),
                        Optional.of(RSA.getPublic()), Optional.empty(), Duration.ofMinutes(5)), "verify-only"),
                org.junit.jupiter.params.provider.Arguments.of(new TokenSettings.Jwt("RS256", Optional.of(RSA.getPrivate()),
                        Optional.of(OTHER_RSA.getPublic()), Optional.empty(), Duration.ofMinutes(5)), "don't match"),
                org.junit.jupiter.params.provider.Arguments.of(new TokenSettings.Jwt("XX256", Optional.of(RSA.getPrivate()),
                        Optional.empty(), Optional.empty(), Duration.ofMinutes(5)), "invalid auth signature method"),
                org.junit.jupiter.params.provider.Arguments.of(es(false), "needs pub-key"));
    }

    private static TokenSettings.Jwt rsa(String method, KeyPair pair) {
        return new TokenSettings.Jwt(method, Optional.of(pair.getPrivate()), Optional.of(pair.getPublic()), Optional.empty(),
                Duration.ofMinutes(5));
    }

    private static TokenSettings.Jwt es(boolean withPublic) {
        return new TokenSettings.Jwt("ES256", Optional.of(EC.getPrivate()), withPublic ? Optional.of(EC.getPublic()) : Optional.empty(),
                Optional.empty(), Duration.ofMinutes(5));
    }

    private static TokenSettings.Jwt hs(String method) {
        return new TokenSettings.Jwt(method, Optional.empty(), Optional.empty(),
                Optional.of("a secret that is long enough for HMAC SHA-512, 64 bytes at the least!!".getBytes(StandardCharsets.UTF_8)),
                Duration.ofMinutes(5));
    }

    private static String renameUser(String token) {
        String[] p = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(p[1]), StandardCharsets.UTF_8).replace("alice", "root!");
        return p[0] + "." + base64(claims) + "." + p[2];
    }

    private static String base64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPair pair(String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
