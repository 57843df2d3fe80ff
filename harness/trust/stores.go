package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	keystore "github.com/pavlo-v-chernykh/keystore-go/v4"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// StoreType is a Java keystore format as written in a WSO2 deployment.toml
// (`type = "JKS"` / `type = "PKCS12"`).
type StoreType string

const (
	// JKS is Java's legacy proprietary format (IS 7.0, every API-M 4.x).
	JKS StoreType = "JKS"
	// PKCS12 is the standard format (IS 7.1 and later).
	PKCS12 StoreType = "PKCS12"
)

// p12Encoder is pinned to Modern2023 rather than the moving pkcs12.Modern
// alias: Modern2026 (PBMAC1) needs Java 26+, and the WSO2 images ship JDK
// 11/17/21, whose keytool rejects it.
var p12Encoder = pkcs12.Modern2023

// ParseStoreType accepts the spellings used in deployment.toml files and on
// command lines, case-insensitively ("jks", "pkcs12", "p12").
func ParseStoreType(s string) (StoreType, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "JKS":
		return JKS, nil
	case "PKCS12", "P12", "PFX":
		return PKCS12, nil
	}
	return "", fmt.Errorf("trust: unknown keystore type %q: use JKS or PKCS12", s)
}

func (t StoreType) check() error {
	if t != JKS && t != PKCS12 {
		return fmt.Errorf("trust: unknown keystore type %q: use JKS or PKCS12", string(t))
	}
	return nil
}

// EncodeKeyStore writes a keystore holding one private-key entry (leaf key
// plus chain) under alias. The key password equals the store password, as
// WSO2's [keystore.*] blocks assume unless key_password is set.
func EncodeKeyStore(t StoreType, alias, password string, leaf *Leaf) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if alias == "" {
		return nil, errors.New("trust: encode keystore: alias is empty")
	}
	if leaf == nil || leaf.Cert == nil || leaf.Key == nil {
		return nil, errors.New("trust: encode keystore: leaf certificate or key is missing")
	}
	chain := leaf.Chain
	if len(chain) == 0 || !chain[0].Equal(leaf.Cert) {
		chain = append([]*x509.Certificate{leaf.Cert}, chain...)
	}
	switch t {
	case JKS:
		// keystore-go only stores PKCS#8 keys; PKCS#1 would be unreadable.
		pkcs8, err := x509.MarshalPKCS8PrivateKey(leaf.Key)
		if err != nil {
			return nil, fmt.Errorf("trust: encode JKS keystore %q: marshal key: %w", alias, err)
		}
		entry := keystore.PrivateKeyEntry{CreationTime: leaf.Cert.NotBefore, PrivateKey: pkcs8}
		for _, c := range chain {
			entry.CertificateChain = append(entry.CertificateChain, keystore.Certificate{Type: "X509", Content: c.Raw})
		}
		ks := keystore.New()
		if err := ks.SetPrivateKeyEntry(alias, entry, []byte(password)); err != nil {
			return nil, fmt.Errorf("trust: encode JKS keystore %q: %w", alias, err)
		}
		var buf bytes.Buffer
		if err := ks.Store(&buf, []byte(password)); err != nil {
			return nil, fmt.Errorf("trust: encode JKS keystore %q: %w", alias, err)
		}
		return buf.Bytes(), nil
	default:
		der, err := p12Encoder.Encode(leaf.Key, leaf.Cert, chain[1:], password)
		if err != nil {
			return nil, fmt.Errorf("trust: encode PKCS12 keystore %q: %w", alias, err)
		}
		// go-pkcs12 writes no friendlyName, so Java would name the entry "1"
		// and WSO2's `alias = "wso2carbon"` lookup would fail.
		der, err = setKeyFriendlyName(der, password, alias)
		if err != nil {
			return nil, fmt.Errorf("trust: encode PKCS12 keystore %q: set alias: %w", alias, err)
		}
		return der, nil
	}
}

// NewTrustStore writes a trust store with one trusted-certificate entry per
// map key (the alias). Entries are written in alias order so output is
// stable across runs.
func NewTrustStore(t StoreType, password string, entries map[string]*x509.Certificate) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	aliases := make([]string, 0, len(entries))
	for a, c := range entries {
		if a == "" {
			return nil, errors.New("trust: new trust store: empty alias")
		}
		if c == nil {
			return nil, fmt.Errorf("trust: new trust store: alias %q has no certificate", a)
		}
		aliases = append(aliases, a)
	}
	sort.Strings(aliases)
	switch t {
	case JKS:
		ks := keystore.New()
		for _, a := range aliases {
			if err := setJKSTrusted(ks, a, entries[a]); err != nil {
				return nil, fmt.Errorf("trust: new JKS trust store: %w", err)
			}
		}
		return storeJKS(ks, password)
	default:
		list := make([]pkcs12.TrustStoreEntry, 0, len(aliases))
		for _, a := range aliases {
			list = append(list, pkcs12.TrustStoreEntry{Cert: entries[a], FriendlyName: a})
		}
		der, err := p12Encoder.EncodeTrustStoreEntries(list, password)
		if err != nil {
			return nil, fmt.Errorf("trust: new PKCS12 trust store: %w", err)
		}
		return der, nil
	}
}

// AddTrustedCert returns store with cert added as a trusted entry under alias,
// keeping every existing entry under its alias. An existing trusted entry
// with the same alias (compared case-insensitively for PKCS12, as Java does)
// is replaced.
//
// PKCS12: the store is decoded and re-encoded (Modern2023). Existing aliases
// are read from the certificate bags' friendlyName attributes (see
// readP12CertEntries), so e.g. IS 7.1's `wso2carbon` entry keeps its name.
// Only an entry without a friendlyName gets a name derived from its subject
// (see subjectAlias); such an entry holding the very certificate being added
// is dropped rather than duplicated. A PKCS12 store that also holds a private
// key (a keystore such as WSO2's wso2carbon.p12) is refused, because
// re-encoding it would lose entries.
func AddTrustedCert(t StoreType, store []byte, password, alias string, cert *x509.Certificate) ([]byte, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if alias == "" {
		return nil, errors.New("trust: add trusted certificate: alias is empty")
	}
	if cert == nil {
		return nil, fmt.Errorf("trust: add trusted certificate %q: certificate is nil", alias)
	}
	switch t {
	case JKS:
		ks, err := loadJKS(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: add trusted certificate %q: %w", alias, err)
		}
		// Overwriting a key entry would silently drop the server's key.
		if ks.IsPrivateKeyEntry(alias) {
			return nil, fmt.Errorf("trust: add trusted certificate %q: the JKS store holds a private key under that alias; choose another alias", alias)
		}
		if err := setJKSTrusted(ks, alias, cert); err != nil {
			return nil, fmt.Errorf("trust: add trusted certificate %q: %w", alias, err)
		}
		out, err := storeJKS(ks, password)
		if err != nil {
			return nil, fmt.Errorf("trust: add trusted certificate %q: %w", alias, err)
		}
		return out, nil
	default:
		existing, names, err := readP12TrustStore(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: add trusted certificate %q: %w", alias, err)
		}
		used := map[string]bool{strings.ToLower(alias): true} // Java lower-cases PKCS12 aliases
		var list []pkcs12.TrustStoreEntry
		var unnamed []*x509.Certificate
		for i, c := range existing {
			switch {
			case names[i] == "":
				if !c.Equal(cert) {
					unnamed = append(unnamed, c)
				}
			case strings.EqualFold(names[i], alias):
				// replaced by the new entry
			default:
				used[strings.ToLower(names[i])] = true
				list = append(list, pkcs12.TrustStoreEntry{Cert: c, FriendlyName: names[i]})
			}
		}
		// Named after the real aliases are known, so a derived name never
		// takes one of them.
		for _, c := range unnamed {
			name := subjectAlias(c)
			if used[name] {
				name = name + "-" + fingerprintPrefix(c)
			}
			used[name] = true
			list = append(list, pkcs12.TrustStoreEntry{Cert: c, FriendlyName: name})
		}
		list = append(list, pkcs12.TrustStoreEntry{Cert: cert, FriendlyName: alias})
		der, err := p12Encoder.EncodeTrustStoreEntries(list, password)
		if err != nil {
			return nil, fmt.Errorf("trust: add trusted certificate %q: encode PKCS12: %w", alias, err)
		}
		return der, nil
	}
}

// TrustedAliases returns the aliases of the entries TrustedCerts returns, in
// the same order (TrustedAliases[i] names TrustedCerts[i]), for diagnostics.
// JKS aliases are as keystore-go reports them (lower case). PKCS12 aliases
// are the friendlyName attributes as stored; an entry without one is listed
// as "" (Java would show a generated name for it).
func TrustedAliases(t StoreType, store []byte, password string) ([]string, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	switch t {
	case JKS:
		ks, err := loadJKS(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: list trusted aliases: %w", err)
		}
		var out []string
		for _, a := range ks.Aliases() {
			if ks.IsTrustedCertificateEntry(a) || ks.IsPrivateKeyEntry(a) {
				out = append(out, a)
			}
		}
		return out, nil
	default:
		_, names, err := readP12TrustStore(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: list trusted aliases: %w", err)
		}
		return names, nil
	}
}

// TrustedCerts returns every certificate a Java TrustManager built from the
// store would trust: trusted-certificate entries and, for JKS, the first
// certificate of each private-key entry. JKS results are in alias order.
func TrustedCerts(t StoreType, store []byte, password string) ([]*x509.Certificate, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	switch t {
	case JKS:
		ks, err := loadJKS(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: list trusted certificates: %w", err)
		}
		var out []*x509.Certificate
		for _, a := range ks.Aliases() {
			var raw []byte
			switch {
			case ks.IsTrustedCertificateEntry(a):
				e, err := ks.GetTrustedCertificateEntry(a)
				if err != nil {
					return nil, fmt.Errorf("trust: list trusted certificates: entry %q: %w", a, err)
				}
				raw = e.Certificate.Content
			case ks.IsPrivateKeyEntry(a):
				chain, err := ks.GetPrivateKeyEntryCertificateChain(a)
				if err != nil || len(chain) == 0 {
					return nil, fmt.Errorf("trust: list trusted certificates: key entry %q has no certificate chain: %v", a, err)
				}
				raw = chain[0].Content
			default:
				continue
			}
			c, err := x509.ParseCertificate(raw)
			if err != nil {
				return nil, fmt.Errorf("trust: list trusted certificates: entry %q: %w", a, err)
			}
			out = append(out, c)
		}
		return out, nil
	default:
		certs, err := decodeP12TrustStore(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: list trusted certificates: %w", err)
		}
		return certs, nil
	}
}

// KeyStoreLeaf returns the certificate of the private-key entry alias, for
// diagnostics such as "which certificate will IS present?".
func KeyStoreLeaf(t StoreType, store []byte, password, alias string) (*x509.Certificate, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	switch t {
	case JKS:
		ks, err := loadJKS(store, password)
		if err != nil {
			return nil, fmt.Errorf("trust: keystore leaf %q: %w", alias, err)
		}
		if !ks.IsPrivateKeyEntry(alias) {
			return nil, fmt.Errorf("trust: keystore leaf %q: no private-key entry with that alias (aliases: %s)", alias, strings.Join(ks.Aliases(), ", "))
		}
		chain, err := ks.GetPrivateKeyEntryCertificateChain(alias)
		if err != nil {
			return nil, fmt.Errorf("trust: keystore leaf %q: %w", alias, err)
		}
		if len(chain) == 0 {
			return nil, fmt.Errorf("trust: keystore leaf %q: key entry has an empty certificate chain", alias)
		}
		c, err := x509.ParseCertificate(chain[0].Content)
		if err != nil {
			return nil, fmt.Errorf("trust: keystore leaf %q: %w", alias, err)
		}
		return c, nil
	default:
		// Key-bag attributes are stored unencrypted, so the alias can be
		// checked before decrypting anything.
		names, err := keyFriendlyNames(store)
		if err == nil && len(names) > 0 && !containsFold(names, alias) {
			return nil, fmt.Errorf("trust: keystore leaf %q: no private-key entry with that alias (key entries: %s)", alias, strings.Join(names, ", "))
		}
		key, first, cas, err := pkcs12.DecodeChain(store, password)
		if err != nil {
			if errors.Is(err, pkcs12.ErrIncorrectPassword) {
				return nil, fmt.Errorf("trust: keystore leaf %q: wrong store password: %w", alias, err)
			}
			return nil, fmt.Errorf("trust: keystore leaf %q: decode PKCS12 keystore: %w", alias, err)
		}
		// DecodeChain treats the first certificate bag as the leaf, which is
		// wrong for stores that also hold CA entries (WSO2's wso2carbon.p12),
		// so pick the certificate whose public key matches the private key.
		pub, ok := key.(interface{ Public() any })
		if !ok {
			return first, nil
		}
		for _, c := range append([]*x509.Certificate{first}, cas...) {
			if k, ok := c.PublicKey.(interface{ Equal(x any) bool }); ok && k.Equal(pub.Public()) {
				return c, nil
			}
		}
		return nil, fmt.Errorf("trust: keystore leaf %q: no certificate in the store matches its private key", alias)
	}
}

func loadJKS(store []byte, password string) (keystore.KeyStore, error) {
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(store), []byte(password)); err != nil {
		if strings.Contains(err.Error(), "invalid digest") {
			return keystore.KeyStore{}, fmt.Errorf("load JKS store: wrong store password or corrupted file: %w", err)
		}
		if strings.Contains(err.Error(), "invalid magic") {
			return keystore.KeyStore{}, fmt.Errorf("load JKS store: not a JKS file (a PKCS12 file? use type PKCS12): %w", err)
		}
		return keystore.KeyStore{}, fmt.Errorf("load JKS store: %w", err)
	}
	return ks, nil
}

func storeJKS(ks keystore.KeyStore, password string) ([]byte, error) {
	var buf bytes.Buffer
	if err := ks.Store(&buf, []byte(password)); err != nil {
		return nil, fmt.Errorf("write JKS store: %w", err)
	}
	return buf.Bytes(), nil
}

func setJKSTrusted(ks keystore.KeyStore, alias string, c *x509.Certificate) error {
	// CreationTime comes from the certificate so identical inputs give
	// identical entries (JKS trusted entries carry no randomness).
	err := ks.SetTrustedCertificateEntry(alias, keystore.TrustedCertificateEntry{
		CreationTime: c.NotBefore,
		Certificate:  keystore.Certificate{Type: "X509", Content: c.Raw},
	})
	if err != nil {
		return fmt.Errorf("set trusted entry %q: %w", alias, err)
	}
	return nil
}

func decodeP12TrustStore(store []byte, password string) ([]*x509.Certificate, error) {
	certs, err := pkcs12.DecodeTrustStore(store, password)
	if err == nil {
		return certs, nil
	}
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, fmt.Errorf("decode PKCS12 trust store: wrong store password: %w", err)
	}
	if _, _, _, kerr := pkcs12.DecodeChain(store, password); kerr == nil {
		return nil, errors.New("decode PKCS12 trust store: the file holds a private key (it is a keystore, not a trust store); " +
			"Go cannot rewrite it without losing entries: write a separate trust store with NewTrustStore, " +
			"or run keytool -importcert against it")
	}
	return nil, fmt.Errorf("decode PKCS12 trust store: %w", err)
}

// readP12TrustStore decodes a PKCS12 trust store with go-pkcs12 (which
// checks the MAC, the password and that every bag is a trusted certificate)
// and pairs each certificate with its alias from readP12CertEntries ("" when
// the bag has no friendlyName).
func readP12TrustStore(store []byte, password string) ([]*x509.Certificate, []string, error) {
	certs, err := decodeP12TrustStore(store, password)
	if err != nil {
		return nil, nil, err
	}
	entries, err := readP12CertEntries(store, password)
	if err != nil {
		return nil, nil, fmt.Errorf("read PKCS12 aliases: %w", err)
	}
	// Both readers walk the same bags in file order; refuse rather than
	// rename entries if they ever disagree.
	if len(entries) != len(certs) {
		return nil, nil, fmt.Errorf("read PKCS12 aliases: found %d certificate bags, go-pkcs12 decoded %d", len(entries), len(certs))
	}
	names := make([]string, len(certs))
	for i, c := range certs {
		if !bytes.Equal(entries[i].Raw, c.Raw) {
			return nil, nil, fmt.Errorf("read PKCS12 aliases: certificate bag %d differs from go-pkcs12's decoding", i)
		}
		names[i] = entries[i].Alias
	}
	return certs, names, nil
}

// subjectAlias derives a stable, keytool-friendly alias from a certificate's
// subject: the lower-cased common name (or whole subject) with anything other
// than [a-z0-9._-] collapsed to '-'.
func subjectAlias(c *x509.Certificate) string {
	name := c.Subject.CommonName
	if name == "" {
		name = c.Subject.String()
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '.' || r == '_' || r == '-'
		if ok {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "cert-" + fingerprintPrefix(c)
	}
	return s
}

func fingerprintPrefix(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:4])
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
