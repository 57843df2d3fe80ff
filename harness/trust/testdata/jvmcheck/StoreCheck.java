// StoreCheck proves with a real JVM that a key store and a trust store work the way WSO2 Identity Server
// and API Manager use them: both are loaded with KeyStore.getInstance(type), the server presents the
// private-key entry named by its alias over JSSE, and a JSSE client that trusts only the trust store
// verifies the chain and the host name (endpoint identification "HTTPS").
//
// Test data of harness/trust (jvm_test.go). JDK only, one file: run it with `java StoreCheck.java ARGS`
// (JDK 11+) or compile it with javac and run `java -cp DIR StoreCheck ARGS`.
//
// Arguments: one group per proof, each starting with --proof NAME:
//
//   --proof NAME
//   --key-store PATH --key-store-type JKS|PKCS12 --key-store-password PW --alias ALIAS --key-password PW
//   --trust-store PATH --trust-store-type JKS|PKCS12 --trust-store-password PW
//   --host NAME
//
// The server listens on 127.0.0.1; the client connects there but gives NAME as the peer host, so SNI and
// host-name verification use NAME (as a product calling https://NAME:port/ would).
//
// Output: a "jvm:" line, then "ok: NAME: ..." per proof. The first failure prints "FAIL: NAME: REASON"
// (one line) and exits 1; bad arguments exit 2. Passwords are never printed.

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

public final class StoreCheck {
    private static final int TIMEOUT_MS = 15_000;

    /** A failure whose message is the one-line reason printed after "FAIL: proof:". */
    private static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private static final class Proof {
        final Map<String, String> opts = new LinkedHashMap<>();

        String get(String key) {
            return opts.get(key);
        }
    }

    private static final List<String> KEYS = List.of("key-store", "key-store-type", "key-store-password", "alias",
            "key-password", "trust-store", "trust-store-type", "trust-store-password", "host");

    public static void main(String[] args) {
        List<Proof> proofs;
        try {
            proofs = parse(args);
        } catch (Failure f) {
            System.out.println("usage: " + f.getMessage());
            System.exit(2);
            return;
        }
        System.out.println("jvm: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (java.specification.version " + System.getProperty("java.specification.version") + ")");
        for (Proof p : proofs) {
            String name = p.get("proof");
            try {
                System.out.println("ok: " + name + ": " + prove(p));
            } catch (Failure f) {
                fail(name, f.getMessage());
            } catch (Exception e) {
                fail(name, "unexpected error: " + describe(e));
            }
        }
    }

    private static void fail(String proof, String reason) {
        System.out.println("FAIL: " + proof + ": " + oneLine(reason));
        System.out.flush();
        System.exit(1);
    }

    private static List<Proof> parse(String[] args) throws Failure {
        List<Proof> proofs = new ArrayList<>();
        Proof cur = null;
        for (int i = 0; i < args.length; i += 2) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new Failure("expected --option VALUE pairs, got " + a);
            }
            String key = a.substring(2);
            String value = args[i + 1];
            if (key.equals("proof")) {
                cur = new Proof();
                proofs.add(cur);
            } else if (cur == null) {
                throw new Failure("the first option must be --proof NAME");
            } else if (!KEYS.contains(key)) {
                throw new Failure("unknown option --" + key);
            }
            cur.opts.put(key, value);
        }
        if (proofs.isEmpty()) {
            throw new Failure("no --proof given");
        }
        for (Proof p : proofs) {
            for (String k : KEYS) {
                if (p.get(k) == null) {
                    throw new Failure("proof " + p.get("proof") + ": missing --" + k);
                }
            }
        }
        return proofs;
    }

    private static String prove(Proof p) throws Exception {
        String ksPath = p.get("key-store"), ksType = p.get("key-store-type"), alias = p.get("alias");
        String tsPath = p.get("trust-store"), tsType = p.get("trust-store-type"), host = p.get("host");
        char[] keyPassword = p.get("key-password").toCharArray();

        // What the products do with [keystore.tls] and [truststore]: KeyStore.getInstance(type).load(...).
        KeyStore ks = load("key store", ksPath, ksType, p.get("key-store-password"));
        KeyStore ts = load("trust store", tsPath, tsType, p.get("trust-store-password"));

        if (!ks.containsAlias(alias) || !ks.entryInstanceOf(alias, KeyStore.PrivateKeyEntry.class)) {
            throw new Failure("key store " + ksPath + " (" + ksType + ") has no PrivateKeyEntry under alias \"" + alias
                    + "\"; entries present: " + entries(ks));
        }
        Key key;
        try {
            key = ks.getKey(alias, keyPassword);
        } catch (UnrecoverableKeyException e) {
            throw new Failure("key store " + ksPath + " (" + ksType + "): the key password does not unlock entry \""
                    + alias + "\": " + describe(e));
        }
        Certificate[] chain = ks.getCertificateChain(alias);
        if (!(key instanceof PrivateKey) || chain == null || chain.length == 0) {
            throw new Failure("key store " + ksPath + " (" + ksType + "): entry \"" + alias
                    + "\" has no private key with a certificate chain");
        }
        X509Certificate leaf = (X509Certificate) chain[0];

        List<String> trusted = new ArrayList<>();
        for (String a : Collections.list(ts.aliases())) {
            if (ts.isCertificateEntry(a)) {
                trusted.add(a);
            }
        }
        Collections.sort(trusted);
        if (trusted.isEmpty()) {
            throw new Failure("trust store " + tsPath + " (" + tsType + ") holds no trusted-certificate entry Java can see"
                    + " (a PKCS12 trust entry needs Java's trusted-key-usage attribute); entries present: " + entries(ts));
        }

        // Server: the key manager of the products' TLS connector, restricted to the configured alias (as
        // Tomcat's keyAlias does); client: a trust manager over the trust store only.
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, keyPassword);
        X509ExtendedKeyManager base = null;
        for (KeyManager km : kmf.getKeyManagers()) {
            if (km instanceof X509ExtendedKeyManager) {
                base = (X509ExtendedKeyManager) km;
            }
        }
        if (base == null) {
            throw new Failure("KeyManagerFactory " + kmf.getAlgorithm() + " gave no X509ExtendedKeyManager");
        }
        SSLContext serverCtx = SSLContext.getInstance("TLS");
        serverCtx.init(new KeyManager[] {new AliasKeyManager(base, alias)}, null, null);

        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext clientCtx = SSLContext.getInstance("TLS");
        clientCtx.init(null, tmf.getTrustManagers(), null);

        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (SSLServerSocket ss = (SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            ss.setSoTimeout(TIMEOUT_MS);
            int port = ss.getLocalPort();
            FutureTask<Void> server = new FutureTask<>(() -> {
                try (SSLSocket s = (SSLSocket) ss.accept()) {
                    s.setSoTimeout(TIMEOUT_MS);
                    s.startHandshake();
                    OutputStream out = s.getOutputStream();
                    out.write('s');
                    out.flush();
                    if (s.getInputStream().read() != 'c') {
                        throw new IOException("the client's byte did not arrive");
                    }
                }
                return null;
            });
            Thread t = new Thread(server, "StoreCheck-server");
            t.setDaemon(true);
            t.start();

            SSLSession session;
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress(loopback, port), TIMEOUT_MS);
                plain.setSoTimeout(TIMEOUT_MS);
                // The host given here, not the address connected to, is the peer host JSSE verifies.
                try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket(plain, host, port, true)) {
                    SSLParameters params = c.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    params.setServerNames(List.of(new SNIHostName(host)));
                    c.setSSLParameters(params);
                    c.startHandshake();
                    if (c.getInputStream().read() != 's') {
                        throw new IOException("the server's byte did not arrive");
                    }
                    OutputStream out = c.getOutputStream();
                    out.write('c');
                    out.flush();
                    session = c.getSession();
                }
            } catch (IOException e) {
                throw new Failure("TLS handshake for host " + host + " failed: client: " + describe(e)
                        + serverSide(server, 2));
            }
            try {
                server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new Failure("TLS server failed: " + describe(e instanceof ExecutionException ? e.getCause() : e));
            }

            X509Certificate served = (X509Certificate) session.getPeerCertificates()[0];
            if (!served.equals(leaf)) {
                throw new Failure("the server presented " + served.getSubjectX500Principal() + ", not the certificate of entry \""
                        + alias + "\" (" + leaf.getSubjectX500Principal() + ")");
            }
            return ksType + " key store " + name(ksPath) + " entry \"" + alias + "\" (" + leaf.getSubjectX500Principal()
                    + ", chain of " + session.getPeerCertificates().length + ") served " + session.getProtocol() + " " + session.getCipherSuite() + "; client with " + tsType
                    + " trust store " + name(tsPath) + " (trusted: " + String.join(", ", trusted)
                    + ") verified the chain and host name " + host;
        }
    }

    private static String serverSide(FutureTask<Void> server, int seconds) {
        try {
            server.get(seconds, TimeUnit.SECONDS);
            return "";
        } catch (ExecutionException e) {
            return "; server: " + describe(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            return "";
        }
    }

    private static KeyStore load(String role, String path, String type, String password) throws Failure {
        KeyStore ks;
        try {
            ks = KeyStore.getInstance(type);
        } catch (KeyStoreException e) {
            throw new Failure(role + " " + path + ": this JVM has no key store type " + type + ": " + describe(e));
        }
        try (InputStream in = Files.newInputStream(Paths.get(path))) {
            ks.load(in, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new Failure("cannot load " + role + " " + path + " as " + type + ": " + describe(e));
        }
        return ks;
    }

    private static String entries(KeyStore ks) throws KeyStoreException {
        List<String> out = new ArrayList<>();
        for (String a : Collections.list(ks.aliases())) {
            String kind = ks.isKeyEntry(a) ? "key entry" : ks.isCertificateEntry(a) ? "trustedCertEntry" : "other";
            try {
                if (ks.entryInstanceOf(a, KeyStore.PrivateKeyEntry.class)) {
                    kind = "PrivateKeyEntry";
                }
            } catch (KeyStoreException e) {
                // keep the coarser kind
            }
            out.add("\"" + a + "\" (" + kind + ")");
        }
        Collections.sort(out);
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** The exception and its causes, each once: "java.io.IOException: msg; caused by ...". */
    private static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (!b.toString().contains(String.valueOf(c))) {
                b.append("; caused by ").append(c);
            }
        }
        return b.toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    private static String name(String path) {
        return Paths.get(path).getFileName().toString();
    }

    /** Presents only the configured alias, like the products' TLS connector with its keyAlias. */
    private static final class AliasKeyManager extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager base;
        private final String alias;

        AliasKeyManager(X509ExtendedKeyManager base, String alias) {
            this.base = base;
            this.alias = alias;
        }

        private String pick(String[] candidates) {
            if (candidates != null) {
                for (String c : candidates) {
                    if (c.equalsIgnoreCase(alias)) {
                        return c;
                    }
                }
            }
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return pick(base.getServerAliases(keyType, issuers));
        }

        @Override
        public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
            return pick(base.getServerAliases(keyType, issuers));
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            String a = pick(base.getServerAliases(keyType, issuers));
            return a == null ? null : new String[] {a};
        }

        @Override
        public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
            return null;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String a) {
            return base.getCertificateChain(a);
        }

        @Override
        public PrivateKey getPrivateKey(String a) {
            return base.getPrivateKey(a);
        }
    }
}
