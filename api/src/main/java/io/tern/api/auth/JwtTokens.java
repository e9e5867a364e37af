package io.tern.api.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.List;

/**
 * etcd's JWT tokens: claims {@code username}, {@code revision} (the auth revision when it was made) and
 * {@code exp}, signed with the configured method. Verification accepts only that method, a valid
 * signature and an unexpired token; the caller then compares the revision with the current one.
 */
final class JwtTokens {
    private static final List<JWSAlgorithm> RSA = List.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    private static final List<JWSAlgorithm> EC = List.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);
    private static final List<JWSAlgorithm> HMAC = List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

    /** A verified token's claims. */
    record Claims(String user, long revision) {
    }

    private final JWSAlgorithm algorithm;
    private final JWSSigner signer;
    private final JWSVerifier verifier;
    private final long ttlMillis;
    private final Clock clock;

    JwtTokens(TokenSettings.Jwt settings, Clock clock) {
        this.algorithm = JWSAlgorithm.parse(settings.signMethod());
        this.ttlMillis = settings.ttl().toMillis();
        this.clock = clock;
        try {
            if (RSA.contains(algorithm)) {
                RSAPublicKey pub = (RSAPublicKey) settings.verifyingKey().orElse(null);
                RSAPrivateKey priv = (RSAPrivateKey) settings.signingKey().orElse(null);
                if (pub != null && priv != null && !pub.getModulus().equals(priv.getModulus())) {
                    throw new IllegalArgumentException("auth: public and private keys don't match");
                }
                this.signer = priv == null ? null : new RSASSASigner(priv);
                this.verifier = new RSASSAVerifier(pub != null ? pub : publicOf(priv));
            } else if (EC.contains(algorithm)) {
                ECPublicKey pub = (ECPublicKey) settings.verifyingKey().orElse(null);
                ECPrivateKey priv = (ECPrivateKey) settings.signingKey().orElse(null);
                if (pub == null) {
                    throw new IllegalArgumentException("auth: ES* signing needs pub-key (the private key alone cannot verify)");
                }
                this.signer = priv == null ? null : new ECDSASigner(priv);
                this.verifier = new ECDSAVerifier(pub);
            } else if (HMAC.contains(algorithm)) {
                byte[] secret = settings.hmacSecret()
                        .orElseThrow(() -> new IllegalArgumentException("auth: missing key data"));
                this.signer = new MACSigner(secret);
                this.verifier = new MACVerifier(secret);
            } else {
                throw new IllegalArgumentException("auth: invalid auth signature method");
            }
        } catch (JOSEException | ClassCastException e) {
            throw new IllegalArgumentException("auth: the keys do not suit " + algorithm + ": " + e.getMessage(), e);
        }
    }

    private static RSAPublicKey publicOf(RSAPrivateKey priv) {
        if (!(priv instanceof java.security.interfaces.RSAPrivateCrtKey crt)) {
            throw new IllegalArgumentException("auth: RS* signing needs pub-key with this private key");
        }
        try {
            return (RSAPublicKey) java.security.KeyFactory.getInstance("RSA").generatePublic(
                    new java.security.spec.RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot derive an RSA public key", e);
        }
    }

    /** A signed token for {@code user}; fails on a member that has only the public key. */
    String sign(String user, long revision) {
        if (signer == null) {
            throw new IllegalStateException("auth: token signing attempted with verify-only key");
        }
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .claim("username", user)
                .claim("revision", revision)
                .expirationTime(new Date(clock.millis() + ttlMillis))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token with " + algorithm, e);
        }
        return jwt.serialize();
    }

    /** The claims of a well-signed, unexpired token made with this method; null for any other string. */
    Claims verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!algorithm.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                return null;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            Object user = claims.getClaim("username");
            Object revision = claims.getClaim("revision");
            if (exp == null || exp.getTime() <= clock.millis() || !(user instanceof String u)
                    || !(revision instanceof Number r)) {
                return null;
            }
            return new Claims(u, r.longValue());
        } catch (ParseException | JOSEException | IllegalStateException e) {
            return null;
        }
    }
}
