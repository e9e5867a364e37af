package io.tern.server;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made inside the tests: CAs, and leaves they sign for servers, peers and clients, written
 * as PEM files as etcd's users keep them (keys in the SEC1 {@code EC PRIVATE KEY} form unless asked for
 * PKCS#8), and revocation lists.
 */
final class TestCerts {
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xffffffffL);

    private TestCerts() {
    }

    /** A leaf certificate and its key, in memory and on disk. */
    record Issued(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        BigInteger serial() {
            return cert.getSerialNumber();
        }
    }

    /** A CA that signs leaves into {@code dir}. */
    record Ca(String name, X509Certificate cert, PrivateKey key, Path certFile, Path dir) {

        /** A leaf with subject CN {@code cn} and IP or DNS subject alternative names {@code hosts}. */
        Issued issue(String file, String cn, List<String> hosts) {
            try {
                KeyPair pair = keyPair();
                Instant now = Instant.now();
                JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                        BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofMinutes(5))),
                        Date.from(now.plus(Duration.ofDays(2))), new X500Name("CN=" + cn + ",O=tern-test"),
                        pair.getPublic());
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                if (!hosts.isEmpty()) {
                    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(hosts.stream()
                            .map(h -> new GeneralName(h.matches("[0-9.]+") ? GeneralName.iPAddress : GeneralName.dNSName, h))
                            .toArray(GeneralName[]::new)));
                }
                X509Certificate cert = new JcaX509CertificateConverter()
                        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
                Path certFile = dir.resolve(file + ".pem");
                Path keyFile = dir.resolve(file + "-key.pem");
                pem(certFile, cert);
                sec1(keyFile, pair);
                return new Issued(cert, pair.getPrivate(), certFile, keyFile);
            } catch (Exception e) {
                throw new IllegalStateException("cannot issue " + cn, e);
            }
        }

        /** A revocation list signed by this CA naming {@code revoked}. */
        Path crl(String file, BigInteger... revoked) {
            try {
                Date now = new Date();
                X509v2CRLBuilder b = new X509v2CRLBuilder(new X500Name("CN=" + name), now);
                b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(1))));
                for (BigInteger s : revoked) {
                    b.addCRLEntry(s, now, CRLReason.keyCompromise);
                }
                Path out = dir.resolve(file);
                pem(out, new JcaX509CRLConverter().getCRL(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key))));
                return out;
            } catch (Exception e) {
                throw new IllegalStateException("cannot sign a revocation list", e);
            }
        }
    }

    /** A self-signed CA named {@code name}, its certificate written to {@code dir/name.pem}. */
    static Ca ca(Path dir, String name) {
        try {
            Files.createDirectories(dir);
            KeyPair pair = keyPair();
            Instant now = Instant.now();
            X500Name subject = new X500Name("CN=" + name);
            JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject,
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(2))), subject, pair.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Path file = dir.resolve(name + ".pem");
            pem(file, cert);
            return new Ca(name, cert, pair.getPrivate(), file, dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make CA " + name, e);
        }
    }

    /** Rewrites {@code key} as PKCS#8 ({@code PRIVATE KEY}) into {@code file}. */
    static Path pkcs8(Path file, PrivateKey key) throws IOException {
        pem(file, new JcaPKCS8Generator(key, null).generate());
        return file;
    }

    /** Writes {@code pair}'s private key as openssl does: SEC1 with the curve and the public point. */
    static void sec1(Path file, KeyPair pair) throws IOException {
        pem(file, io.tern.server.tls.Pem.sec1(pair));
    }

    static void pem(Path file, Object o) throws IOException {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair();
    }
}
