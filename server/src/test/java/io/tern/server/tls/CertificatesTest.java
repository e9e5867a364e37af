package io.tern.server.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The common name etcd takes as a user, and Go's host name check behind the allowed-hostname flags. */
class CertificatesTest {

    record Case(String name, String subject, List<String> dnsNames, List<String> ips, String host,
                String commonName, boolean validForHost) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("CN and a DNS name", "CN=alice,O=x", List.of("node1.example.com"), List.of(), "node1.example.com", "alice", true),
                new Case("host names ignore case", "CN=alice", List.of("Node1.Example.com"), List.of(), "node1.example.COM", "alice", true),
                new Case("another host", "CN=alice", List.of("node1.example.com"), List.of(), "node2.example.com", "alice", false),
                new Case("wildcard covers one label", "CN=w", List.of("*.example.com"), List.of(), "a.example.com", "w", true),
                new Case("wildcard not two labels", "CN=w", List.of("*.example.com"), List.of(), "a.b.example.com", "w", false),
                new Case("IP address", "CN=ip", List.of(), List.of("10.0.0.7"), "10.0.0.7", "ip", true),
                new Case("the CN is no host name (Go 1.15+)", "CN=node1.example.com", List.of(), List.of(), "node1.example.com",
                        "node1.example.com", false),
                new Case("no CN", "O=etcd", List.of("h"), List.of(), "h", "", true),
                new Case("the last of two CNs, as Go", "CN=first,CN=second", List.of(), List.of(), "x", "second", false),
                new Case("IPv6 however written", "CN=v6", List.of(), List.of("::1"), "0:0:0:0:0:0:0:1", "v6", true),
                new Case("an IP host never matches a DNS name", "CN=d", List.of("10.0.0.7"), List.of(), "10.0.0.7", "d", false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsTheNameAndChecksTheHost(Case c) throws Exception {
        X509Certificate cert = certificate(c);
        assertThat(Certificates.commonName(cert)).isEqualTo(c.commonName());
        assertThat(Certificates.validFor(cert, c.host())).isEqualTo(c.validForHost());
    }

    /** A connecting member's certificate and the address it connects from (etcd's peer checkSAN). */
    record AddressCase(String name, List<String> dnsNames, List<String> ips, String remote, boolean accepted) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<AddressCase> addressCases() {
        return List.of(
                new AddressCase("no names: nothing to check", List.of(), List.of(), "10.1.1.1", true),
                new AddressCase("the IP it connects from", List.of(), List.of("10.1.1.1", "127.0.0.1"), "127.0.0.1", true),
                new AddressCase("another IP only", List.of(), List.of("10.1.1.1"), "127.0.0.1", false),
                new AddressCase("IPv6 however written", List.of(), List.of("::1"), "0:0:0:0:0:0:0:1", true),
                new AddressCase("a name that resolves to it", List.of("localhost"), List.of(), "127.0.0.1", true),
                new AddressCase("another IP, but a name that resolves to it", List.of("localhost"), List.of("10.1.1.1"),
                        "127.0.0.1", true),
                new AddressCase("a name that does not resolve", List.of("no-such-host.invalid"), List.of(), "127.0.0.1",
                        false));
    }

    @ParameterizedTest
    @MethodSource("addressCases")
    void checksAConnectingCertificateAgainstItsAddress(AddressCase c) throws Exception {
        X509Certificate cert = certificate(new Case(c.name(), "CN=m", c.dnsNames(), c.ips(), "", "m", false));
        if (c.accepted()) {
            Certificates.checkConnectingAddress(cert, c.remote());
        } else {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Certificates.checkConnectingAddress(cert, c.remote()))
                    .isInstanceOf(java.security.cert.CertificateException.class);
        }
    }

    private static X509Certificate certificate(Case c) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=ca"), BigInteger.ONE,
                new Date(), new Date(System.currentTimeMillis() + 86_400_000L), new X500Name(c.subject()), pair.getPublic());
        List<GeneralName> names = new java.util.ArrayList<>();
        c.dnsNames().forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        c.ips().forEach(n -> names.add(new GeneralName(GeneralName.iPAddress, n)));
        if (!names.isEmpty()) {
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }
}
