package io.tern.server.tls;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * One certificate and key, read from their PEM files and read again when either file changes, so that
 * a rotated certificate is served from the next handshake on without a restart (etcd reads its files
 * on every handshake). Files are looked at no more than once a second; a rewrite that cannot be read
 * (half written, mismatched) leaves the previous pair in use until a later look succeeds.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private static final System.Logger LOG = System.getLogger(ReloadingKeyManager.class.getName());
    static final String ALIAS = "tern";
    private static final long LOOK_EVERY_NANOS = 1_000_000_000L;

    private record Pair(long generation, X509Certificate[] chain, PrivateKey key, FileTime certTime, FileTime keyTime) {
        String alias() {
            return ALIAS + "-" + generation;
        }
    }

    private final Path certFile;
    private final Path keyFile;
    private volatile Pair pair;
    /** The pair before the current one: a handshake that chose its alias just before a reload finishes on it. */
    private volatile Pair previous;
    private volatile long lookedAt;

    /** Reads both files now; fails, naming the file, when they cannot be read. */
    ReloadingKeyManager(Path certFile, Path keyFile) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.pair = read(0);
        this.lookedAt = System.nanoTime();
    }

    private Pair read(long generation) {
        FileTime certTime = modified(certFile);
        FileTime keyTime = modified(keyFile);
        List<X509Certificate> chain = Pem.certificates(certFile);
        PrivateKey key = Pem.privateKey(keyFile);
        if (!matches(chain.get(0), key)) {
            throw new IllegalArgumentException("the key in " + keyFile + " does not go with the certificate in " + certFile);
        }
        return new Pair(generation, chain.toArray(X509Certificate[]::new), key, certTime, keyTime);
    }

    /** True when {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(X509Certificate cert, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (!cert.getPublicKey().getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        if (algorithm == null) {
            return true; // a key kind this check cannot sign with: the handshake will tell
        }
        try {
            byte[] probe = "tern key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                sign.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verify.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            return verify.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The current pair, read again first if a file changed since it was read. */
    private Pair current() {
        Pair p = pair;
        long now = System.nanoTime();
        if (now - lookedAt < LOOK_EVERY_NANOS) {
            return p;
        }
        lookedAt = now;
        try {
            if (!modified(certFile).equals(p.certTime()) || !modified(keyFile).equals(p.keyTime())) {
                Pair fresh = read(p.generation() + 1);
                previous = p;
                pair = fresh;
                LOG.log(System.Logger.Level.INFO, "serving the rewritten certificate {0}", certFile);
                return fresh;
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "keeping the certificate in use: " + e.getMessage());
        }
        return p;
    }

    private String aliasFor(String keyType) {
        Pair p = current();
        String algorithm = p.key().getAlgorithm();
        boolean fits = keyType != null && (keyType.equalsIgnoreCase(algorithm)
                || keyType.startsWith("EC") && algorithm.equals("EC")
                || keyType.equals("RSASSA-PSS") && algorithm.equals("RSA"));
        return fits ? p.alias() : null;
    }

    private String aliasFor(String[] keyTypes) {
        if (keyTypes != null) {
            for (String t : keyTypes) {
                String a = aliasFor(t);
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyType);
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return aliasFor(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return aliasFor(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        String a = aliasFor(keyType);
        return a == null ? null : new String[] {a};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Pair p = byAlias(alias);
        return p == null ? null : p.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Pair p = byAlias(alias);
        return p == null ? null : p.key();
    }

    /** The pair an alias handed out earlier in this handshake names, so chain and key always match. */
    private Pair byAlias(String alias) {
        Pair p = pair;
        if (p.alias().equals(alias)) {
            return p;
        }
        Pair before = previous;
        return before != null && before.alias().equals(alias) ? before : null;
    }
}
