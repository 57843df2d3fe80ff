package home

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// StoreSpec is one [keystore.*] or [truststore] table: file name (relative to
// repository/resources/security), store type (JKS or PKCS12), store password, key alias and key password.
type StoreSpec struct {
	File, Type, Password, Alias, KeyPassword string
}

// KeyStoreSpec resolves [keystore.<section>]. An absent section falls back to [keystore.primary], and
// absent keys (or $ref{keystore.primary.*} values) fall back to the primary's, then to def: the products'
// documented defaults, which differ by product and version and are therefore the caller's to give.
func (h *Home) KeyStoreSpec(section string, def StoreSpec) StoreSpec {
	primary := h.specFrom("keystore", "primary", def)
	if section == "primary" {
		return primary
	}
	if _, ok := h.Lookup("keystore", section); !ok {
		return primary
	}
	return h.specFrom("keystore", section, primary)
}

// TrustStoreSpec resolves [truststore] with def as the default.
func (h *Home) TrustStoreSpec(def StoreSpec) StoreSpec {
	if _, ok := h.Lookup("truststore"); !ok {
		return def
	}
	s := def
	s.File = h.String(def.File, "truststore", "file_name")
	s.Type = h.String(def.Type, "truststore", "type")
	s.Password = h.String(def.Password, "truststore", "password")
	return s
}

func (h *Home) specFrom(table, section string, def StoreSpec) StoreSpec {
	get := func(key, fallback string) string {
		v := h.String("", table, section, key)
		if v == "" || strings.HasPrefix(v, "$ref{") {
			return fallback
		}
		return v
	}
	s := StoreSpec{
		File:     get("file_name", def.File),
		Type:     get("type", def.Type),
		Password: get("password", def.Password),
		Alias:    get("alias", def.Alias),
	}
	s.KeyPassword = get("key_password", s.Password)
	if s.Alias == "" {
		s.Alias = "wso2carbon"
	}
	return s
}

// KeyEntry is one private-key entry of a key store.
type KeyEntry struct {
	Alias string
	Key   crypto.Signer
	Chain []*x509.Certificate // leaf first
}

// LoadKeyStore opens a key store under repository/resources/security and returns every private-key
// entry, the one named by spec.Alias first. A wrong password or type fails the way the JVM does at
// start-up: with an error naming the file.
func (h *Home) LoadKeyStore(spec StoreSpec) ([]KeyEntry, error) {
	path := filepath.Join(h.Path(SecurityDir), spec.File)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key store %s: %w", spec.File, err)
	}
	var entries []KeyEntry
	switch strings.ToUpper(spec.Type) {
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(raw), []byte(spec.Password)); err != nil {
			return nil, fmt.Errorf("key store %s (JKS): %w", spec.File, err)
		}
		for _, alias := range ks.Aliases() {
			if !ks.IsPrivateKeyEntry(alias) {
				continue
			}
			pass := spec.KeyPassword
			e, err := ks.GetPrivateKeyEntry(alias, []byte(pass))
			if err != nil {
				return nil, fmt.Errorf("key store %s alias %s: %w", spec.File, alias, err)
			}
			key, err := x509.ParsePKCS8PrivateKey(e.PrivateKey)
			if err != nil {
				return nil, fmt.Errorf("key store %s alias %s: %w", spec.File, alias, err)
			}
			signer, ok := key.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("key store %s alias %s: key is not a signer", spec.File, alias)
			}
			var chain []*x509.Certificate
			for _, c := range e.CertificateChain {
				cert, err := x509.ParseCertificate(c.Content)
				if err != nil {
					return nil, fmt.Errorf("key store %s alias %s: %w", spec.File, alias, err)
				}
				chain = append(chain, cert)
			}
			entries = append(entries, KeyEntry{Alias: alias, Key: signer, Chain: chain})
		}
	case "PKCS12":
		if err := jdkCheck("key store", spec.File, raw); err != nil {
			return nil, err
		}
		// go-pkcs12 decodes one key per file. It takes the first certificate bag as the leaf, so the
		// leaf is picked again by matching the key (WSO2's own .p12 carry CA entries too).
		key, leaf, cas, err := pkcs12.DecodeChain(raw, spec.Password)
		if err != nil {
			return nil, fmt.Errorf("key store %s (PKCS12): %w", spec.File, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("key store %s: key is not a signer", spec.File)
		}
		all := append([]*x509.Certificate{leaf}, cas...)
		var chain []*x509.Certificate
		for i, c := range all {
			if publicKeysEqual(c.PublicKey, signer.Public()) {
				chain = append([]*x509.Certificate{c}, append(append([]*x509.Certificate{}, all[:i]...), all[i+1:]...)...)
				break
			}
		}
		if chain == nil {
			return nil, fmt.Errorf("key store %s: no certificate matches its private key", spec.File)
		}
		// The entry is named like the JVM names it — its key bag's friendlyName, or a counter without one —
		// so a store whose key entry has another alias fails below as it does at start-up.
		aliases, err := PKCS12KeyAliases(raw, spec.Password)
		if err != nil {
			return nil, fmt.Errorf("key store %s (PKCS12): %w", spec.File, err)
		}
		if len(aliases) != 1 {
			return nil, fmt.Errorf("key store %s (PKCS12): %d key entries; the simulator reads exactly one", spec.File, len(aliases))
		}
		entries = append(entries, KeyEntry{Alias: aliases[0], Key: signer, Chain: chain})
	default:
		return nil, fmt.Errorf("key store %s: unsupported type %q", spec.File, spec.Type)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("key store %s holds no private key", spec.File)
	}
	// Java key store aliases are case-insensitive (both keytool stores lower-case them).
	want := strings.ToLower(spec.Alias)
	for i, e := range entries {
		if e.Alias == want {
			entries[0], entries[i] = entries[i], entries[0]
			return entries, nil
		}
	}
	return nil, fmt.Errorf("key store %s has no private key with alias %q", spec.File, spec.Alias)
}

// LoadTrustStore returns every certificate of a trust store under repository/resources/security
// (trusted-certificate entries, and the certificates of key entries in a JKS, as Java trusts both).
func (h *Home) LoadTrustStore(spec StoreSpec) ([]*x509.Certificate, error) {
	path := filepath.Join(h.Path(SecurityDir), spec.File)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trust store %s: %w", spec.File, err)
	}
	switch strings.ToUpper(spec.Type) {
	case "JKS":
		ks := keystore.New()
		if err := ks.Load(bytes.NewReader(raw), []byte(spec.Password)); err != nil {
			return nil, fmt.Errorf("trust store %s (JKS): %w", spec.File, err)
		}
		var certs []*x509.Certificate
		for _, alias := range ks.Aliases() {
			var contents [][]byte
			if ks.IsTrustedCertificateEntry(alias) {
				e, err := ks.GetTrustedCertificateEntry(alias)
				if err != nil {
					return nil, err
				}
				contents = append(contents, e.Certificate.Content)
			} else if chain, err := ks.GetPrivateKeyEntryCertificateChain(alias); err == nil && len(chain) > 0 {
				contents = append(contents, chain[0].Content)
			}
			for _, c := range contents {
				cert, err := x509.ParseCertificate(c)
				if err != nil {
					return nil, fmt.Errorf("trust store %s alias %s: %w", spec.File, alias, err)
				}
				certs = append(certs, cert)
			}
		}
		return certs, nil
	case "PKCS12":
		if err := jdkCheck("trust store", spec.File, raw); err != nil {
			return nil, err
		}
		certs, err := pkcs12.DecodeTrustStore(raw, spec.Password)
		if err != nil {
			return nil, fmt.Errorf("trust store %s (PKCS12): %w", spec.File, err)
		}
		return certs, nil
	}
	return nil, fmt.Errorf("trust store %s: unsupported type %q", spec.File, spec.Type)
}

// TrustPool is LoadTrustStore as a pool: the only roots the product's outbound TLS trusts.
func (h *Home) TrustPool(spec StoreSpec) (*x509.CertPool, error) {
	certs, err := h.LoadTrustStore(spec)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := a.(equaler); ok {
		return e.Equal(b)
	}
	return false
}
