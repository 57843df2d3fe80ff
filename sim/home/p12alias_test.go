package home

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// Fixtures written by OpenSSL 3.0 (PBES2/PBKDF2-HMAC-SHA-256/AES-256-CBC, HMAC-SHA-256 MAC, password
// wso2carbon) for one EC key and its self-signed certificate:
//
//	openssl pkcs12 -export -inkey k.pem -in c.pem -name WSO2Carbon -passout pass:wso2carbon   (p12Named)
//	openssl pkcs12 -export -inkey k.pem -in c.pem -passout pass:wso2carbon                    (p12Unnamed)
const p12Named = `
MIIEYQIBAzCCBBcGCSqGSIb3DQEHAaCCBAgEggQEMIIEADCCApIGCSqGSIb3DQEHBqCCAoMwggJ/
AgEAMIICeAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAi9Mz47sMvF
zwICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEIVLkQaMqQgnSFigGkMdh82AggIQobCY
gQQlNVv7cf47FUs82421448bcKgO1aQliX2Z52iIpVrtj11Wez1sEVeWI43Mp2QzLJYsMrfNAXK/
i2OCn+ik9JVGo0ux9JYAmghrM4cjEeVw/TTG27W/zMam4YnxpLXymQS0vNfagfIthcFvtKZZI184
ALUnVA65E95Vk7wV2hom9LKbm64QO6Gi3n1vyemALB2zOfC26C9wADvU/dJA76wFyPFVfCxAQreb
TEa+5c/Alr1I0SE4Lx5tnAftenlgK/zddWoRLYhf8nbBqf3VE4tqEP+lnmAJafpOjicm6Qa+h4CM
suz8Az8wG+CxCk0hwPtLCKawwXcMDtqPBiXPbcgfxNEFKQpIQegrpzWWW4m1q6RZ9zjmzY1lfhXp
WNrKKAD6b9PhVpQaYhOUJoUwS0cFCElXsZBgpJasGDs1LpW1UZM11KUSz83c92CG4IeqX0BVJcdW
6rk4eQ+Cc1+cTOG/LkgNlN8nikkmfvoo57nK02QzLlgMDWDuZKR0F4ErQZB9s8gBiHpxeVgRWOOP
SYXiz81w24qC0TaOOTqGdMVbPVeTe6V8TLh53+xhBO9lhxOl6cHN9STk6neb8/y3aYcdU9wBnpM/
WIJsNgCNpg94GzHOGEO7qblEByGekEmirahS64pWQin3tvRMjmLDzWV4WtVKk9wHCCHdNt1Sut73
Y4rftjF17CcRt3orMIIBZgYJKoZIhvcNAQcBoIIBVwSCAVMwggFPMIIBSwYLKoZIhvcNAQwKAQKg
ge8wgewwVwYJKoZIhvcNAQUNMEowKQYJKoZIhvcNAQUMMBwECII4zICOm5OMAgIIADAMBggqhkiG
9w0CCQUAMB0GCWCGSAFlAwQBKgQQWZv2la6f/v6ky46NkMN0SASBkIgavRK+Pwyow6PTkHw9dbYg
wNt53wMyxyUoox6Q5sqdyGSL6Af4TizbsLfwZtpPd/Tz8N5fAza4viGe5VcgTCcgxXkz6wOvMbg7
EUnRJsS/vY4gsFzqmlWBmOUm7BSAFW7twgkUZTmSl9OyPo6gU8HiQRaCs8pbSZynnAVVFTSD9i/c
lG89fRvOfZS5CRhDvDFKMCMGCSqGSIb3DQEJFDEWHhQAVwBTAE8AMgBDAGEAcgBiAG8AbjAjBgkq
hkiG9w0BCRUxFgQUtTs7NsR+ZNt2d4SuNM5KN4jyZiUwQTAxMA0GCWCGSAFlAwQCAQUABCBX++Ew
SZ2zUSyg9jvK6jF3bJlc8JqRX3FZxoILBWZNWgQI/AYq3nYZrzsCAggA
`

const p12Unnamed = `
MIIEDAIBAzCCA8IGCSqGSIb3DQEHAaCCA7MEggOvMIIDqzCCAmIGCSqGSIb3DQEHBqCCAlMwggJP
AgEAMIICSAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhhnUhTyIMg
PAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEECRmzryqhFrWOI3llWHPvVuAggHgbyfX
bxREboJ1krjqgWkYZcgQzUxK/K2Xg4xJveT7pBXXgDkqcs3Z98kbmH51MtTKm0XqyDT0CCL9K1bD
LP6r43gjTy7saKhTO9wY1HcpEkRAfI3HBsxV3JNRKQvfehnO3WgCJCdBl6zKqMeZQcTWzft3LQ5m
hYKSBAXSwp+jOLrYSG2RHM/EHsLQtQ97vIH9aCytSXDop9Ma5jZBL0ywr6GcACmmZm/YsTkzTaCE
qvfsrXrD154rPODYhqImLefqTINp83WDy2gZupkzBjNswJ1E54wsz7ECaLtLChN/3rWgpIKctG9x
3fi33BFFvgMrm/KzqFgnCguqzOS4kjyW95pAJ4WBzL70thyuhqiomVrMyUqjrs7mMkU3wfr1qEe+
HHUukd9NgB+qOZurS9xZisC3NH1ArAzc0JOhr0mV0fg7jItu5si2acDqFEp3tCeiWJluVaZOFOhe
fkxnItNoJs+C1poEVjgxV4RniMByT+OYFn5U5BFWAFdZXy9Xt1s6xhzsax4iqQP7Fe3O96m+aZOM
wEDV0VpcFRTvNacfhDZBvt8Q7aBnUQ+0AmF2vM9EzlrVmYeiHGzUHHob8LOqg9PLxOfAE+5LR8Eh
9BSeYeQJTufhpwKUcB0md835k2z3MIIBQQYJKoZIhvcNAQcBoIIBMgSCAS4wggEqMIIBJgYLKoZI
hvcNAQwKAQKgge8wgewwVwYJKoZIhvcNAQUNMEowKQYJKoZIhvcNAQUMMBwECFQ3XF/+6BpnAgII
ADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQ64W6BQL7ZRuGAN40l4PfmwSBkIbxVLKAMJLM
z3WVQ1fAgxR6yH/Z0EjErkTvLxOcXIOkofulLh+ZSJ0T7S7hxkcXCERt4nlAYOQ8OcQMwFulkad2
6JY6h6kwKaT1KfauN9Aq2ZGR601Y8JFy5dfXdx5q/ox3PmxSmayD4rPJTTtlkCUeTQrB+mSeKNgG
K1quHrf2CNI+um0wCbuNdp+pPKd7RDElMCMGCSqGSIb3DQEJFTEWBBS1Ozs2xH5k23Z3hK40zko3
iPJmJTBBMDEwDQYJYIZIAWUDBAIBBQAEIKdwfFBWDd8r1ASouJuaPtk20A/q2Ta98TJgsHNq6539
BAiV4D/44lDOogICCAA=
`

func fixture(t *testing.T, b64 string) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(b64), ""))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

var wso2carbon = StoreSpec{File: "wso2carbon.p12", Type: "PKCS12", Password: "wso2carbon", Alias: "wso2carbon"}

// TestPKCS12KeyAlias: identity-server-7.md §2 — the JVM loads [keystore.primary] and takes the key
// entry named by its alias (default wso2carbon); a PKCS12 store whose key entry has another alias
// stops the start-up ("… has no private key with alias …"). The alias is the key bag's friendlyName
// (lower-cased like the JVM's PKCS12KeyStore). derived: a key bag without one is named "1" by the JVM,
// so it never matches wso2carbon.
func TestPKCS12KeyAlias(t *testing.T) {
	h := &Home{Dir: t.TempDir()}
	named := fixture(t, p12Named)
	if got, err := PKCS12KeyAliases(named, "wso2carbon"); err != nil || len(got) != 1 || got[0] != "wso2carbon" {
		t.Fatalf("aliases of the OpenSSL store: %v %v", got, err)
	}
	writeStore(t, h, "wso2carbon.p12", named)
	if e, err := h.LoadKeyStore(wso2carbon); err != nil || e[0].Alias != "wso2carbon" {
		t.Fatalf("named store: %v %v", e, err)
	}
	other := wso2carbon
	other.Alias = "newkey"
	if _, err := h.LoadKeyStore(other); err == nil || !strings.Contains(err.Error(), `has no private key with alias "newkey"`) {
		t.Fatalf("alias newkey: %v", err)
	}

	unnamed := fixture(t, p12Unnamed)
	if got, err := PKCS12KeyAliases(unnamed, "wso2carbon"); err != nil || len(got) != 1 || got[0] != "1" {
		t.Fatalf("aliases of the unnamed store: %v %v", got, err)
	}
	writeStore(t, h, "wso2carbon.p12", unnamed)
	if _, err := h.LoadKeyStore(wso2carbon); err == nil || !strings.Contains(err.Error(), `has no private key with alias "wso2carbon"`) {
		t.Fatalf("unnamed store: %v", err)
	}

	// go-pkcs12 writes no friendlyName; SetPKCS12KeyAlias adds it and a new MAC, which go-pkcs12 (an
	// independent MAC implementation) must accept.
	key, cert := selfSigned(t)
	for name, enc := range map[string]*pkcs12.Encoder{"Modern": pkcs12.Modern, "LegacyDES": pkcs12.LegacyDES} {
		raw, err := enc.Encode(key, cert, nil, "wso2carbon")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := PKCS12KeyAliases(raw, "wso2carbon"); err != nil || len(got) != 1 || got[0] != "1" {
			t.Fatalf("%s: go-pkcs12 output aliases %v %v", name, got, err)
		}
		renamed, err := SetPKCS12KeyAlias(raw, "wso2carbon", "wso2carbon")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, _, _, err := pkcs12.DecodeChain(renamed, "wso2carbon"); err != nil {
			t.Fatalf("%s: rewritten store does not verify: %v", name, err)
		}
		writeStore(t, h, "wso2carbon.p12", renamed)
		if _, err := h.LoadKeyStore(wso2carbon); err != nil {
			t.Fatalf("%s: rewritten store: %v", name, err)
		}
	}
}

// TestPKCS12KeyAliasInEncryptedSafe: the key bag may sit in an encryptedData SafeContents; PBES2 with
// PBKDF2-HMAC-SHA-256 and AES-128-CBC is read here (the layout is built by the test, then checked with
// go-pkcs12 too). A SafeContents under an unsupported scheme is reported when it hides the key.
func TestPKCS12KeyAliasInEncryptedSafe(t *testing.T) {
	key, cert := selfSigned(t)
	raw, err := pkcs12.Modern.Encode(key, cert, nil, "wso2carbon")
	if err != nil {
		t.Fatal(err)
	}
	if raw, err = SetPKCS12KeyAlias(raw, "wso2carbon", "WSO2Carbon"); err != nil {
		t.Fatal(err)
	}
	enc := encryptKeySafe(t, raw, "wso2carbon", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13})
	if _, _, _, err := pkcs12.DecodeChain(enc, "wso2carbon"); err != nil {
		t.Fatalf("test layout is not a valid PFX: %v", err)
	}
	if got, err := PKCS12KeyAliases(enc, "wso2carbon"); err != nil || len(got) != 1 || got[0] != "wso2carbon" {
		t.Fatalf("aliases from the encrypted safe: %v %v", got, err)
	}
	if _, err := PKCS12KeyAliases(enc, "wrong"); err == nil {
		t.Fatal("a wrong password decrypted the safe")
	}
	// The same bytes labelled with an unsupported PBE scheme (pbeWithSHAAnd3-KeyTripleDES-CBC).
	bad := encryptKeySafe(t, raw, "wso2carbon", asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3})
	if _, err := PKCS12KeyAliases(bad, "wso2carbon"); err == nil || !strings.Contains(err.Error(), "1.2.840.113549.1.12.1.3 are not supported") {
		t.Fatalf("unsupported scheme: %v", err)
	}
}

// encryptKeySafe rewrites a PFX so that the plain-data SafeContents holding the key bag becomes an
// encryptedData under PBES2 (PBKDF2-HMAC-SHA-256, AES-128-CBC), labelled with alg, and re-MACs it.
func encryptKeySafe(t *testing.T, raw []byte, password string, alg asn1.ObjectIdentifier) []byte {
	t.Helper()
	pfx, infos, _, err := authSafeContents(raw)
	if err != nil {
		t.Fatal(err)
	}
	var out []asn1.RawValue
	for _, ciRaw := range infos {
		var ci p12ContentInfo
		if _, err := asn1.Unmarshal(ciRaw, &ci); err != nil {
			t.Fatal(err)
		}
		if !ci.ContentType.Equal(oidP12Data) {
			out = append(out, asn1.RawValue{FullBytes: ciRaw})
			continue
		}
		var contents []byte
		if _, err := asn1.Unmarshal(ci.Content.Bytes, &contents); err != nil {
			t.Fatal(err)
		}
		salt, iv := make([]byte, 8), make([]byte, aes.BlockSize)
		_, _ = rand.Read(salt)
		_, _ = rand.Read(iv)
		k, err := pbkdf2.Key(sha256.New, password, salt, 1000, 16)
		if err != nil {
			t.Fatal(err)
		}
		pad := aes.BlockSize - len(contents)%aes.BlockSize
		pt := append(append([]byte{}, contents...), strings.Repeat(string(rune(pad)), pad)...)
		block, _ := aes.NewCipher(k)
		ct := make([]byte, len(pt))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, pt)
		type algID struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		mustRaw := func(v any) asn1.RawValue {
			b, err := asn1.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return asn1.RawValue{FullBytes: b}
		}
		kdf := algID{oidPBKDF2, mustRaw(struct {
			Salt       []byte
			Iterations int
			PRF        algID
		}{salt, 1000, algID{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, Parameters: asn1.NullRawValue}})}
		encAlg := algID{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}, mustRaw(iv)}
		ed := struct {
			Version int
			Info    struct {
				ContentType asn1.ObjectIdentifier
				Algorithm   algID
				Content     asn1.RawValue
			}
		}{Version: 0}
		ed.Info.ContentType = oidP12Data
		ed.Info.Algorithm = algID{alg, mustRaw(struct{ KDF, Enc algID }{kdf, encAlg})}
		ed.Info.Content = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: ct}
		edBytes := mustRaw(ed).FullBytes
		out = append(out, mustRaw(p12ContentInfo{ContentType: oidP12EncryptedData,
			Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: edBytes}}))
	}
	safeBytes, _ := asn1.Marshal(out)
	authData, _ := asn1.Marshal(safeBytes)
	pfx.AuthSafe.Content = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: authData}
	var mac p12MacData
	if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &mac); err != nil {
		t.Fatal(err)
	}
	mac.Mac.Digest = pkcs12MAC(sha256.New, password, mac.MacSalt, mac.Iterations, safeBytes)
	pfx.MacData.FullBytes, _ = asn1.Marshal(mac)
	b, err := asn1.Marshal(*pfx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
