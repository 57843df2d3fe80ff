package trust

// The products load their key and trust stores with the JVM's KeyStore API and serve TLS with JSSE, so
// the stores this package writes are proved here with a real JVM: testdata/jvmcheck/StoreCheck.java loads
// each store with KeyStore.getInstance(type), serves TLS from the private-key entry named by the alias,
// and connects a client that trusts only the trust store and verifies the host name ("HTTPS").
//
// Which JDK each product runs (wso2/docker-is and wso2/docker-apim Dockerfiles, the official images'
// Temurin builds): IS 7.0.0 JDK 11; IS 7.1.0+ JDK 21; API-M 4.3.0 JDK 17; API-M 4.4.0+ JDK 21.
// This test runs the JDK on PATH (CI installs Debian's openjdk-17-jdk-headless), so it proves the stores
// for API-M 4.3.0's JDK. What remains assumed for the others:
//   - JDK 11 (IS 7.0.0): IS 7.0.0's stores are JKS, a format JDK 11 and 17 read alike; JSSE's PKIX
//     validation and HTTPS host-name check are assumed to behave as on 17 (not run on 11 here).
//   - JDK 21 (IS 7.1.0+, API-M 4.4.0+): the PKCS12 stores are PBES2/AES-256-CBC with an HMAC-SHA-256
//     MAC (go-pkcs12 Modern2023), which is JDK 12+'s own default PKCS12 format and so still what JDK 21
//     writes; JDK 21 refusing PBMAC1 is the claim of go-libraries.md §6 (PBMAC1 arrived in JDK 26), not
//     checked here.

import (
	"crypto/x509"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// What the setup writes and deployment.toml names, duplicated here because harness/topology imports this
// package: storePassword (harness/topology/topology.go) is every store's and key's password; the key
// alias is writeKeyStore's (harness/topology/configure.go) and [keystore.tls] alias in
// fixtures/toml/*.tmpl; caAlias (harness/topology/trust.go) names the run's CA in the trust stores; the
// host names are containers.ISAlias and containers.APIMAlias, which mintTrust issues the leaves for.
const (
	jvmPassword = "wso2carbon"
	jvmKeyAlias = "wso2carbon"
	jvmCAAlias  = "kmconform-run-ca"
	jvmISHost   = "wso2is"
	jvmAPIMHost = "wso2am"
)

// jvmRequiredEnv makes a missing JDK a failure instead of a skip (set by .ci/run).
const jvmRequiredEnv = "KMCONFORM_REQUIRE_JVM"

// jdkTool returns the path of a JDK tool. Without it the test skips, unless KMCONFORM_REQUIRE_JVM is set:
// then it fails, so that CI cannot pass without the JVM proof.
func jdkTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(jvmRequiredEnv) != "" {
		t.Fatalf("%s is not on PATH and %s is set: install openjdk-17-jdk-headless.", name, jvmRequiredEnv)
	}
	t.Skipf("%s is not on PATH: install openjdk-17-jdk-headless to check the stores with a real JVM (%s=1 makes this a failure)", name, jvmRequiredEnv)
	return ""
}

// jvmMaterial is minted with the real clock, as mintTrust (harness/topology/trust.go) does: the JVM checks
// validity against its own clock, so the fixed testNow of the other tests would not do.
type jvmMaterial struct {
	ca                 *CA
	is, am, elsewhere  *Leaf
	shippedKey, public *CA // stand-ins for the entries the products' own trust stores already hold
	dir, java, keytool string
	classes            string
}

type storeFile struct {
	path     string
	typ      StoreType
	password string
}

type jvmProof struct {
	name        string
	key         storeFile
	alias       string
	keyPassword string
	trust       storeFile
	host        string
}

func TestJVMLoadsStoresAndServesTLS(t *testing.T) {
	javac := jdkTool(t, "javac")
	m := &jvmMaterial{java: jdkTool(t, "java"), keytool: jdkTool(t, "keytool"), dir: t.TempDir()}

	start := time.Now()
	m.classes = filepath.Join(m.dir, "classes")
	src := filepath.Join("testdata", "jvmcheck", "StoreCheck.java")
	if out, err := exec.Command(javac, "-d", m.classes, src).CombinedOutput(); err != nil {
		t.Fatalf("javac %s: %v\n%s", src, err, out)
	}
	t.Logf("javac: %v", time.Since(start).Round(time.Millisecond))

	start = time.Now()
	now := time.Now().Add(-time.Hour) // as mintTrust
	const validity = 7 * 24 * time.Hour
	var err error
	if m.ca, err = NewCA("kmconform run CA", now, validity+24*time.Hour); err != nil {
		t.Fatal(err)
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	if m.is, err = m.ca.IssueServer(jvmISHost, []string{jvmISHost, "localhost"}, loopback, now, validity); err != nil {
		t.Fatal(err)
	}
	if m.am, err = m.ca.IssueServer(jvmAPIMHost, []string{jvmAPIMHost, "localhost"}, loopback, now, validity); err != nil {
		t.Fatal(err)
	}
	if m.elsewhere, err = m.ca.IssueServer("elsewhere", []string{"elsewhere.example"}, nil, now, validity); err != nil {
		t.Fatal(err)
	}
	if m.shippedKey, err = NewCA("localhost", now, validity); err != nil {
		t.Fatal(err)
	}
	if m.public, err = NewCA("Example Public Root CA", now, validity); err != nil {
		t.Fatal(err)
	}
	t.Logf("keys: %v", time.Since(start).Round(time.Millisecond))

	t.Run("layouts", func(t *testing.T) { t.Parallel(); testJVMLayouts(t, m) })
	t.Run("negative", func(t *testing.T) { t.Parallel(); testJVMNegative(t, m) })
	t.Run("pbmac1", func(t *testing.T) { t.Parallel(); testJVMPBMAC1(t, m) })
}

// testJVMLayouts: the stores of each cell, both directions the products use TLS in.
func testJVMLayouts(t *testing.T, m *jvmMaterial) {
	// The products' own trust stores already hold entries (wso2carbon and the public CAs) and were
	// written by keytool; AddTrustedCert adds the run's CA to them. keytool -importkeystore copies a
	// NewTrustStore store into the JDK's own format.
	goJKS := m.shippedTrustStore(t, JKS)
	goP12 := m.shippedTrustStore(t, PKCS12)
	keytoolJKS := m.keytoolCopy(t, goJKS, JKS, "keytool.jks")
	keytoolP12 := m.keytoolCopy(t, goP12, PKCS12, "keytool.p12")
	legacyP12 := m.keytoolCopy(t, goP12, PKCS12, "keytool-legacy.p12", "-J-Dkeystore.pkcs12.legacy")
	want := "trusted: " + strings.Join([]string{jvmCAAlias, "public-root-ca", "wso2carbon"}, ", ")

	apimKeyStore := func(t *testing.T) storeFile {
		return m.keyStore(t, JKS, "wso2am.jks", jvmKeyAlias, jvmPassword, m.am)
	}
	apimTrust := func(t *testing.T, base []byte) storeFile {
		return m.write(t, "apim-client-truststore.jks", JKS, jvmPassword, m.addCA(t, JKS, base))
	}
	// Both directions of a cell: API-M calls IS (IS serves with its key store, API-M's trust store
	// verifies) and IS posts notifications to API-M (the reverse).
	cell := func(isKS, isTS, amKS, amTS storeFile) []jvmProof {
		return []jvmProof{
			{name: "API-M calls IS", key: isKS, alias: jvmKeyAlias, keyPassword: jvmPassword, trust: amTS, host: jvmISHost},
			{name: "IS notifies API-M", key: amKS, alias: jvmKeyAlias, keyPassword: jvmPassword, trust: isTS, host: jvmAPIMHost},
		}
	}

	for _, c := range []struct {
		name   string
		proofs func(t *testing.T) []jvmProof
	}{
		{"IS 7.0.0 JKS + API-M JKS", func(t *testing.T) []jvmProof {
			return cell(m.keyStore(t, JKS, "wso2is.jks", jvmKeyAlias, jvmPassword, m.is),
				m.write(t, "is-client-truststore.jks", JKS, jvmPassword, m.addCA(t, JKS, keytoolJKS)),
				apimKeyStore(t), apimTrust(t, keytoolJKS))
		}},
		{"IS 7.1.0+ PKCS12 + API-M JKS", func(t *testing.T) []jvmProof {
			return cell(m.keyStore(t, PKCS12, "wso2is.p12", jvmKeyAlias, jvmPassword, m.is),
				m.write(t, "is-client-truststore.p12", PKCS12, jvmPassword, m.addCA(t, PKCS12, keytoolP12)),
				apimKeyStore(t), apimTrust(t, keytoolJKS))
		}},
		// An IS trust store in the JDK's pre-12 PKCS12 format (RC2/3DES, HMAC-SHA-1), e.g. one a user
		// made with an old keytool; AddTrustedCert re-encodes it. Only the direction that reads IS's trust
		// store is run ([1:]).
		{"IS 7.1.0+ legacy-format PKCS12 trust store", func(t *testing.T) []jvmProof {
			return cell(m.keyStore(t, PKCS12, "wso2is.p12", jvmKeyAlias, jvmPassword, m.is),
				m.write(t, "is-client-truststore.p12", PKCS12, jvmPassword, m.addCA(t, PKCS12, legacyP12)),
				apimKeyStore(t), apimTrust(t, keytoolJKS))[1:]
		}},
		// Trust stores that NewTrustStore wrote, without keytool in between.
		{"NewTrustStore JKS and PKCS12", func(t *testing.T) []jvmProof {
			jks := cell(m.keyStore(t, JKS, "wso2is.jks", jvmKeyAlias, jvmPassword, m.is),
				m.write(t, "is-client-truststore.jks", JKS, jvmPassword, m.addCA(t, JKS, goJKS)),
				apimKeyStore(t), apimTrust(t, goJKS))
			p12 := m.write(t, "is-client-truststore.p12", PKCS12, jvmPassword, m.addCA(t, PKCS12, goP12))
			return append(jks, jvmProof{name: "IS 7.1.0+ notifies API-M", key: jks[1].key, alias: jvmKeyAlias,
				keyPassword: jvmPassword, trust: p12, host: jvmAPIMHost})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			proofs := c.proofs(t)
			out, err := m.run(t, proofs...)
			if err != nil {
				t.Fatalf("StoreCheck failed: %v\n%s", err, out)
			}
			for _, p := range proofs {
				line := okLine(out, p.name)
				if line == "" {
					t.Errorf("no ok line for %q in:\n%s", p.name, out)
					continue
				}
				// The server sends leaf and CA: Java rebuilt the chain of the PKCS12 entry from its bags.
				for _, w := range []string{`entry "wso2carbon"`, "chain of 2", want, "host name " + p.host} {
					if !strings.Contains(line, w) {
						t.Errorf("%q: want %q in %q", p.name, w, line)
					}
				}
			}
		})
	}
}

// testJVMNegative proves that the JVM check can fail, and fails for the reason a product would.
func testJVMNegative(t *testing.T, m *jvmMaterial) {
	for _, c := range []struct {
		name  string
		proof func(t *testing.T) jvmProof
		want  []string
	}{
		{"JKS key store with another alias", func(t *testing.T) jvmProof {
			return m.isProof(t, m.keyStore(t, JKS, "wso2is.jks", "mykey", jvmPassword, m.is))
		}, []string{`no PrivateKeyEntry under alias "wso2carbon"`, `entries present: "mykey" (PrivateKeyEntry)`}},
		{"PKCS12 key store with another alias", func(t *testing.T) jvmProof {
			return m.isProof(t, m.keyStore(t, PKCS12, "wso2is.p12", "mykey", jvmPassword, m.is))
		}, []string{`no PrivateKeyEntry under alias "wso2carbon"`, `entries present: "mykey" (PrivateKeyEntry)`}},
		// What setKeyFriendlyName (p12alias.go) exists for: go-pkcs12 alone writes no friendlyName and
		// the JVM names the entry "1" (sim/home's PKCS12KeyAliases claims the same).
		{"PKCS12 key store without friendlyName", func(t *testing.T) jvmProof {
			der, err := pkcs12.Modern2023.Encode(m.is.Key, m.is.Cert, []*x509.Certificate{m.ca.Cert}, jvmPassword)
			if err != nil {
				t.Fatal(err)
			}
			return m.isProof(t, m.write(t, "wso2is.p12", PKCS12, jvmPassword, der))
		}, []string{`no PrivateKeyEntry under alias "wso2carbon"`, `entries present: "1" (PrivateKeyEntry)`}},
		{"JKS key store with another password", func(t *testing.T) jvmProof {
			p := m.isProof(t, m.keyStore(t, JKS, "wso2is.jks", jvmKeyAlias, "not-wso2carbon", m.is))
			p.key.password = jvmPassword // what deployment.toml says
			return p
		}, []string{"cannot load key store", "wso2is.jks as JKS", "Keystore was tampered with, or password was incorrect"}},
		{"PKCS12 key store with another password", func(t *testing.T) jvmProof {
			p := m.isProof(t, m.keyStore(t, PKCS12, "wso2is.p12", jvmKeyAlias, "not-wso2carbon", m.is))
			p.key.password = jvmPassword
			return p
		}, []string{"cannot load key store", "wso2is.p12 as PKCS12", "keystore password was incorrect"}},
		{"server certificate for another host name", func(t *testing.T) jvmProof {
			return m.isProof(t, m.keyStore(t, PKCS12, "wso2is.p12", jvmKeyAlias, jvmPassword, m.elsewhere))
		}, []string{"TLS handshake for host wso2is failed", "No subject alternative DNS name matching wso2is found"}},
		{"trust store without the run's CA", func(t *testing.T) jvmProof {
			p := m.isProof(t, m.keyStore(t, PKCS12, "wso2is.p12", jvmKeyAlias, jvmPassword, m.is))
			p.trust = m.write(t, "apim-client-truststore.jks", JKS, jvmPassword, m.shippedTrustStore(t, JKS))
			return p
		}, []string{"TLS handshake for host wso2is failed", "PKIX path building failed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.proof(t)
			out, err := m.run(t, p)
			line := failLine(out, p.name)
			if err == nil || line == "" {
				t.Fatalf("StoreCheck did not fail (err %v):\n%s", err, out)
			}
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("failure %q does not contain %q", line, w)
				}
			}
			if strings.Contains(out, "not-wso2carbon") {
				t.Errorf("output shows a password:\n%s", out)
			}
		})
	}
}

// testJVMPBMAC1 checks the simulator's claim (sim/home/jdk.go): JDK 11/17/21 refuse a PKCS12 store whose
// MAC is PBMAC1 (go-pkcs12 Modern2026), with exactly this message, and read Modern2023. Checked here on
// the JDK on PATH (17 in CI); 11 and 21 remain assumed.
func testJVMPBMAC1(t *testing.T, m *jvmMaterial) {
	const refused = "java.io.IOException: Integrity check failed: java.security.NoSuchAlgorithmException: Algorithm HmacPBE1.2.840.113549.1.5.14 not available"
	trustStore := func(t *testing.T, enc *pkcs12.Encoder) storeFile {
		der, err := enc.EncodeTrustStoreEntries([]pkcs12.TrustStoreEntry{{Cert: m.ca.Cert, FriendlyName: jvmCAAlias}}, jvmPassword)
		if err != nil {
			t.Fatal(err)
		}
		return m.write(t, "client-truststore.p12", PKCS12, jvmPassword, der)
	}
	// Raw go-pkcs12 key stores carry no friendlyName, so the JVM's alias for the key is "1".
	keyStore := func(t *testing.T, enc *pkcs12.Encoder) storeFile {
		der, err := enc.Encode(m.am.Key, m.am.Cert, []*x509.Certificate{m.ca.Cert}, jvmPassword)
		if err != nil {
			t.Fatal(err)
		}
		return m.write(t, "wso2am.p12", PKCS12, jvmPassword, der)
	}
	proof := func(name string, ks, ts storeFile) jvmProof {
		return jvmProof{name: name, key: ks, alias: "1", keyPassword: jvmPassword, trust: ts, host: jvmAPIMHost}
	}

	t.Run("Modern2023 loads", func(t *testing.T) {
		t.Parallel()
		p := proof("Modern2023", keyStore(t, pkcs12.Modern2023), trustStore(t, pkcs12.Modern2023))
		out, err := m.run(t, p)
		if err != nil || okLine(out, p.name) == "" {
			t.Fatalf("Modern2023 key and trust store: %v\n%s", err, out)
		}
	})
	for _, c := range []struct {
		name  string
		proof func(t *testing.T) jvmProof
		store string
	}{
		{"Modern2026 key store refused", func(t *testing.T) jvmProof {
			return proof("Modern2026 key store", keyStore(t, pkcs12.Modern2026), trustStore(t, pkcs12.Modern2023))
		}, "cannot load key store"},
		{"Modern2026 trust store refused", func(t *testing.T) jvmProof {
			return proof("Modern2026 trust store", keyStore(t, pkcs12.Modern2023), trustStore(t, pkcs12.Modern2026))
		}, "cannot load trust store"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.proof(t)
			out, err := m.run(t, p)
			if v := jvmSpecVersion(out); v >= 26 {
				t.Skipf("the JVM on PATH is %d, which reads PBMAC1; the claim is about JDK 11/17/21", v)
			}
			line := failLine(out, p.name)
			if err == nil || !strings.Contains(line, c.store) || !strings.Contains(line, refused) {
				t.Fatalf("want %q and %q, got (err %v):\n%s", c.store, refused, err, out)
			}
		})
	}
}

// shippedTrustStore is a trust store like the products ship: it already holds wso2carbon's certificate
// and a public CA, not the run's CA.
func (m *jvmMaterial) shippedTrustStore(t *testing.T, typ StoreType) []byte {
	t.Helper()
	ts, err := NewTrustStore(typ, jvmPassword, map[string]*x509.Certificate{
		"wso2carbon": m.shippedKey.Cert, "public-root-ca": m.public.Cert})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// keytoolCopy has the JDK's keytool rewrite a store in its own encoding (flags: keytool options such as
// -J-Dkeystore.pkcs12.legacy).
func (m *jvmMaterial) keytoolCopy(t *testing.T, src []byte, typ StoreType, name string, flags ...string) []byte {
	t.Helper()
	in := filepath.Join(m.dir, "src-"+name)
	out := filepath.Join(m.dir, name)
	if err := os.WriteFile(in, src, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append(flags, "-importkeystore", "-noprompt",
		"-srckeystore", in, "-srcstoretype", string(typ), "-srcstorepass", jvmPassword,
		"-destkeystore", out, "-deststoretype", string(typ), "-deststorepass", jvmPassword)
	if b, err := exec.Command(m.keytool, args...).CombinedOutput(); err != nil {
		t.Fatalf("keytool -importkeystore %s: %v\n%s", name, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m *jvmMaterial) addCA(t *testing.T, typ StoreType, base []byte) []byte {
	t.Helper()
	ts, err := AddTrustedCert(typ, base, jvmPassword, jvmCAAlias, m.ca.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func (m *jvmMaterial) keyStore(t *testing.T, typ StoreType, file, alias, password string, leaf *Leaf) storeFile {
	t.Helper()
	ks, err := EncodeKeyStore(typ, alias, password, leaf)
	if err != nil {
		t.Fatal(err)
	}
	return m.write(t, file, typ, password, ks)
}

// isProof is "API-M calls IS" with a given IS key store and API-M's trust store with the run's CA.
func (m *jvmMaterial) isProof(t *testing.T, ks storeFile) jvmProof {
	t.Helper()
	ts := m.write(t, "apim-client-truststore.jks", JKS, jvmPassword, m.addCA(t, JKS, m.shippedTrustStore(t, JKS)))
	return jvmProof{name: "API-M calls IS", key: ks, alias: jvmKeyAlias, keyPassword: jvmPassword, trust: ts, host: jvmISHost}
}

// write puts a store in a folder of the calling test under its product's file name.
func (m *jvmMaterial) write(t *testing.T, file string, typ StoreType, password string, data []byte) storeFile {
	t.Helper()
	p := filepath.Join(t.TempDir(), file)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return storeFile{path: p, typ: typ, password: password}
}

// run launches StoreCheck once for the proofs and returns its output.
func (m *jvmMaterial) run(t *testing.T, proofs ...jvmProof) (string, error) {
	t.Helper()
	// A short-lived JVM: C1 only and the serial collector start faster.
	args := []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", m.classes, "StoreCheck"}
	for _, p := range proofs {
		args = append(args, "--proof", p.name,
			"--key-store", p.key.path, "--key-store-type", string(p.key.typ), "--key-store-password", p.key.password,
			"--alias", p.alias, "--key-password", p.keyPassword,
			"--trust-store", p.trust.path, "--trust-store-type", string(p.trust.typ), "--trust-store-password", p.trust.password,
			"--host", p.host)
	}
	start := time.Now()
	out, err := exec.Command(m.java, args...).CombinedOutput()
	t.Logf("java StoreCheck (%d proofs): %v\n%s", len(proofs), time.Since(start).Round(time.Millisecond), out)
	return string(out), err
}

func okLine(out, proof string) string   { return prefixedLine(out, "ok: "+proof+": ") }
func failLine(out, proof string) string { return prefixedLine(out, "FAIL: "+proof+": ") }

func prefixedLine(out, prefix string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// jvmSpecVersion reads the feature release from StoreCheck's "jvm:" line (0 if absent).
func jvmSpecVersion(out string) int {
	m := regexp.MustCompile(`java\.specification\.version (\d+)`).FindStringSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	return v
}
