package io.tern.server.tls;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Every private key form etcd's users hand over is read; what cannot be used fails naming the file. */
class PemTest {

    /** A key written one way; {@code error} null when it must read back as the same key. */
    record Case(String name, String algorithm, Writing write, String error) {
        @Override
        public String toString() {
            return name;
        }
    }

    interface Writing {
        void to(Path file, KeyPair pair) throws Exception;
    }

    static List<Case> cases() {
        return List.of(
                new Case("EC, SEC1 (EC PRIVATE KEY)", "EC", (f, p) -> pem(f, Pem.sec1(p)), null),
                new Case("EC, PKCS#8 (PRIVATE KEY)", "EC", (f, p) -> pem(f, new JcaPKCS8Generator(p.getPrivate(), null).generate()), null),
                new Case("RSA, PKCS#1 (RSA PRIVATE KEY)", "RSA", (f, p) -> pem(f, p.getPrivate()), null),
                new Case("RSA, PKCS#8 (PRIVATE KEY)", "RSA", (f, p) -> pem(f, new JcaPKCS8Generator(p.getPrivate(), null).generate()), null),
                new Case("EC PARAMETERS before the key", "EC", (f, p) -> Files.writeString(f,
                        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                                + pemString(Pem.sec1(p))), null),
                new Case("encrypted PKCS#8", "EC", (f, p) -> pem(f, new JcaPKCS8Generator(p.getPrivate(),
                        new JceOpenSSLPKCS8EncryptorBuilder(org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC)
                                .setPassword("pw".toCharArray()).build()).generate()), "is encrypted"),
                new Case("a certificate, no key", "EC", (f, p) -> Files.writeString(f, ""), "no private key in"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsPrivateKeys(Case c, @TempDir Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(c.algorithm());
        if (c.algorithm().equals("EC")) {
            g.initialize(new ECGenParameterSpec("secp256r1"));
        } else {
            g.initialize(2048);
        }
        KeyPair pair = g.generateKeyPair();
        Path file = dir.resolve("key.pem");
        c.write().to(file, pair);
        Throwable t = catchThrowable(() -> Pem.privateKey(file));
        if (c.error() == null) {
            assertThat(t).isNull();
            // The same key: what it signs, the pair's public key verifies.
            String alg = c.algorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            java.security.Signature sign = java.security.Signature.getInstance(alg);
            sign.initSign(Pem.privateKey(file));
            sign.update(new byte[] {1, 2, 3});
            java.security.Signature verify = java.security.Signature.getInstance(alg);
            verify.initVerify(pair.getPublic());
            verify.update(new byte[] {1, 2, 3});
            assertThat(verify.verify(sign.sign())).isTrue();
        } else {
            assertThat(t).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c.error())
                    .hasMessageContaining(file.toString());
        }
    }

    private static void pem(Path file, Object o) throws Exception {
        Files.writeString(file, pemString(o));
    }

    private static String pemString(Object o) throws Exception {
        java.io.StringWriter w = new java.io.StringWriter();
        try (Writer out = w; JcaPEMWriter pw = new JcaPEMWriter(out)) {
            pw.writeObject(o);
        }
        return w.toString();
    }
}
