package io.tern.server.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the PEM files etcd's flags name. Keys may be PKCS#8 ({@code PRIVATE KEY}), PKCS#1
 * ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}, what etcd and cfssl write); encrypted keys
 * are refused, as etcd refuses them. Every failure names the file.
 */
public final class Pem {
    private Pem() {
    }

    /** The certificates in {@code file}, in order: a leaf then its chain, or a CA bundle. */
    public static List<X509Certificate> certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
            if (certs.isEmpty()) {
                throw new IllegalArgumentException("no certificate in " + file);
            }
            return certs;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read certificates from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The one private key in {@code file}; an {@code EC PARAMETERS} block before it is skipped. */
    public static PrivateKey privateKey(Path file) {
        try (Reader r = Files.newBufferedReader(file); PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may leave the public half out
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o.getClass().getSimpleName().contains("Encrypted")) {
                    throw new IllegalArgumentException("the private key in " + file + " is encrypted; give it unencrypted");
                }
            }
            throw new IllegalArgumentException("no private key in " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The public key in {@code file} ({@code PUBLIC KEY}, or {@code RSA PUBLIC KEY}). */
    public static PublicKey publicKey(Path file) {
        try (Reader r = Files.newBufferedReader(file); PEMParser parser = new PEMParser(r)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof SubjectPublicKeyInfo info) {
                    return converter.getPublicKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPublicKey(pair.getPublicKeyInfo());
                }
            }
            throw new IllegalArgumentException("no public key in " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the public key from " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code pair}'s private key as openssl and etcd write it: SEC1 ({@code EC PRIVATE KEY}) with the
     * named curve and the public point, which the JDK's own PKCS#8 encoding leaves out.
     */
    public static PemObject sec1(KeyPair pair) {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
        try {
            ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
            int bits = ((java.security.interfaces.ECPublicKey) pair.getPublic()).getParams().getOrder().bitLength();
            ECPrivateKey full = new ECPrivateKey(bits, inner.getKey(),
                    SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()).getPublicKeyData(),
                    info.getPrivateKeyAlgorithm().getParameters());
            return new PemObject("EC PRIVATE KEY", full.getEncoded());
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an EC private key", e);
        }
    }

    /** The serial numbers a revocation list (PEM or DER, one or more lists) names. */
    public static Set<BigInteger> revokedSerials(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Set<BigInteger> serials = new HashSet<>();
            for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(in)) {
                Set<? extends X509CRLEntry> revoked = ((X509CRL) crl).getRevokedCertificates();
                if (revoked != null) {
                    revoked.forEach(e -> serials.add(e.getSerialNumber()));
                }
            }
            return serials;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read the revocation list " + file + ": " + e.getMessage(), e);
        }
    }
}
