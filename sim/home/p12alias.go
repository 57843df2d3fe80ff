package home

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"unicode/utf16"
)

// The JVM's PKCS12KeyStore names a key entry after the PKCS #9 friendlyName attribute of its key bag
// (lower-cased), and a key bag without one by a counter ("1" for the first). go-pkcs12 exposes neither, so
// this file walks the PFX itself (RFC 7292): PFX → authSafe (data) → AuthenticatedSafe → ContentInfo
// (data, or encryptedData) → SafeContents → SafeBag attributes. Bag attributes sit outside the shrouded
// key, so no private key is decrypted here.
//
// Supported: SafeContents in plain data, and in encryptedData under PBES2 (PBKDF2 with HMAC-SHA-1/-224/
// -256/-384/-512, AES-128/192/256-CBC — what go-pkcs12 Modern writes). Not supported: the PKCS #12 PBE
// schemes (pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd40BitRC2-CBC …), PBES1, PBES2 with another
// cipher (DES-EDE3-CBC, RC2), and envelopedData; such SafeContents are skipped, which only matters when
// the key bag is inside one (keytool, OpenSSL and go-pkcs12 put it in plain data).

var (
	oidP12Data          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidP12EncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidShroudedKeyBag   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidFriendlyName     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidPBES2            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidMacSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidMacSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

var prfs = map[string]func() hash.Hash{
	"1.2.840.113549.2.7":  sha1.New,
	"1.2.840.113549.2.8":  sha256.New224,
	"1.2.840.113549.2.9":  sha256.New,
	"1.2.840.113549.2.10": sha512.New384,
	"1.2.840.113549.2.11": sha512.New,
}

var aesKeyLen = map[string]int{
	"2.16.840.1.101.3.4.1.2":  16,
	"2.16.840.1.101.3.4.1.22": 24,
	"2.16.840.1.101.3.4.1.42": 32,
}

type p12Algorithm struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type p12MacData struct {
	Mac struct {
		Algorithm p12Algorithm
		Digest    []byte
	}
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

// p12PFX keeps AuthSafe and MacData raw so that a rewrite changes nothing else.
type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  asn1.RawValue `asn1:"optional"`
}

// p12ContentInfo's Content is the [0] EXPLICIT wrapper as a whole (encoding/asn1 gives and takes a
// RawValue with its own tag).
type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"optional"`
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue
	Attributes []p12Attribute `asn1:"set,optional"`
}

type p12Attribute struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

type p12EncryptedData struct {
	Version int
	Info    struct {
		ContentType asn1.ObjectIdentifier
		Algorithm   p12Algorithm
		Content     asn1.RawValue `asn1:"optional"`
	}
}

// explicitInner returns the element inside a [0] EXPLICIT wrapper.
func explicitInner(rv asn1.RawValue) ([]byte, error) {
	if rv.Class != asn1.ClassContextSpecific || rv.Tag != 0 || !rv.IsCompound {
		return nil, errors.New("pkcs12: expected a [0] EXPLICIT element")
	}
	return rv.Bytes, nil
}

// authSafeContents returns the AuthenticatedSafe's ContentInfos (raw) and the bytes the MAC covers.
func authSafeContents(raw []byte) (*p12PFX, [][]byte, []byte, error) {
	var pfx p12PFX
	if rest, err := asn1.Unmarshal(raw, &pfx); err != nil {
		return nil, nil, nil, fmt.Errorf("pkcs12: PFX: %w", err)
	} else if len(rest) != 0 {
		return nil, nil, nil, errors.New("pkcs12: trailing data after the PFX")
	}
	if !pfx.AuthSafe.ContentType.Equal(oidP12Data) {
		return nil, nil, nil, fmt.Errorf("pkcs12: authSafe content type %s is not supported", pfx.AuthSafe.ContentType)
	}
	inner, err := explicitInner(pfx.AuthSafe.Content)
	if err != nil {
		return nil, nil, nil, err
	}
	var safeBytes []byte
	if _, err := asn1.Unmarshal(inner, &safeBytes); err != nil {
		return nil, nil, nil, fmt.Errorf("pkcs12: authSafe data: %w", err)
	}
	var infos []asn1.RawValue
	if _, err := asn1.Unmarshal(safeBytes, &infos); err != nil {
		return nil, nil, nil, fmt.Errorf("pkcs12: AuthenticatedSafe: %w", err)
	}
	out := make([][]byte, len(infos))
	for i, ci := range infos {
		out[i] = ci.FullBytes
	}
	return &pfx, out, safeBytes, nil
}

// PKCS12KeyAliases returns the JVM alias of every key bag of a PKCS12 file, in file order: the
// friendlyName lower-cased (PKCS12KeyStore keys its entries by alias.toLowerCase(Locale.ENGLISH)), or for
// a key bag without one the counter the JVM uses ("1", "2", …).
// derived (identity-server-7.md §2 lists aliases as keytool shows them; JDK PKCS12KeyStore names an
// unnamed entry by a counter — a JDK 21 keytool lists an OpenSSL store without -name as "1"): the counter;
// UNCONFIRMED in the detail that only key bags advance it here; on OpenJDK 17 a go-pkcs12 Modern2023 file,
// whose two unnamed certificate bags (leaf and CA, no trust attribute) precede its key bag, names the key "1"
// (harness/trust/jvm_test.go).
func PKCS12KeyAliases(raw []byte, password string) ([]string, error) {
	_, infos, _, err := authSafeContents(raw)
	if err != nil {
		return nil, err
	}
	var aliases []string
	var skipped []string
	unnamed := 0
	for _, ciRaw := range infos {
		bags, err := safeBagsOf(ciRaw, password)
		var unsup unsupportedError
		if errors.As(err, &unsup) {
			skipped = append(skipped, string(unsup))
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, b := range bags {
			if !b.ID.Equal(oidKeyBag) && !b.ID.Equal(oidShroudedKeyBag) {
				continue
			}
			name, ok, err := friendlyName(b.Attributes)
			if err != nil {
				return nil, err
			}
			if !ok {
				unnamed++
				name = strconv.Itoa(unnamed)
			}
			aliases = append(aliases, strings.ToLower(name))
		}
	}
	if len(aliases) == 0 && len(skipped) > 0 {
		return nil, fmt.Errorf("pkcs12: cannot read the key entry's alias: %s", strings.Join(skipped, "; "))
	}
	return aliases, nil
}

// unsupportedError marks a SafeContents the reader cannot decrypt.
type unsupportedError string

func (e unsupportedError) Error() string { return string(e) }

// safeBagsOf parses one ContentInfo of the AuthenticatedSafe into its SafeBags.
func safeBagsOf(ciRaw []byte, password string) ([]p12SafeBag, error) {
	var ci p12ContentInfo
	if _, err := asn1.Unmarshal(ciRaw, &ci); err != nil {
		return nil, fmt.Errorf("pkcs12: ContentInfo: %w", err)
	}
	inner, err := explicitInner(ci.Content)
	if err != nil {
		return nil, err
	}
	var contents []byte
	switch {
	case ci.ContentType.Equal(oidP12Data):
		if _, err := asn1.Unmarshal(inner, &contents); err != nil {
			return nil, fmt.Errorf("pkcs12: SafeContents data: %w", err)
		}
	case ci.ContentType.Equal(oidP12EncryptedData):
		if contents, err = decryptSafeContents(inner, password); err != nil {
			return nil, err
		}
	default:
		return nil, unsupportedError("SafeContents of content type " + ci.ContentType.String() + " are not supported")
	}
	var bags []p12SafeBag
	if _, err := asn1.Unmarshal(contents, &bags); err != nil {
		return nil, fmt.Errorf("pkcs12: SafeContents: %w", err)
	}
	return bags, nil
}

func friendlyName(attrs []p12Attribute) (string, bool, error) {
	for _, a := range attrs {
		if !a.ID.Equal(oidFriendlyName) {
			continue
		}
		var v asn1.RawValue
		if _, err := asn1.Unmarshal(a.Value.Bytes, &v); err != nil {
			return "", false, fmt.Errorf("pkcs12: friendlyName: %w", err)
		}
		if v.Tag != asn1.TagBMPString || len(v.Bytes)%2 != 0 {
			return "", false, errors.New("pkcs12: friendlyName is not a BMPString")
		}
		u := make([]uint16, len(v.Bytes)/2)
		for i := range u {
			u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
		}
		return string(utf16.Decode(u)), true, nil
	}
	return "", false, nil
}

// decryptSafeContents decrypts an EncryptedData under PBES2/PBKDF2/AES-CBC. The PBES2 password is the
// password's UTF-8 bytes (as OpenSSL, Java and go-pkcs12 use it), not the BMPString of the PKCS #12 PBEs.
func decryptSafeContents(inner []byte, password string) ([]byte, error) {
	var ed p12EncryptedData
	if _, err := asn1.Unmarshal(inner, &ed); err != nil {
		return nil, fmt.Errorf("pkcs12: EncryptedData: %w", err)
	}
	alg := ed.Info.Algorithm
	if !alg.Algorithm.Equal(oidPBES2) {
		return nil, unsupportedError("SafeContents encrypted with " + alg.Algorithm.String() + " are not supported")
	}
	var params struct {
		KDF p12Algorithm
		Enc p12Algorithm
	}
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("pkcs12: PBES2 parameters: %w", err)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, unsupportedError("PBES2 key derivation " + params.KDF.Algorithm.String() + " is not supported")
	}
	var kdf struct {
		Salt       []byte
		Iterations int
		KeyLength  int          `asn1:"optional"`
		PRF        p12Algorithm `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, fmt.Errorf("pkcs12: PBKDF2 parameters: %w", err)
	}
	prf := sha1.New
	if len(kdf.PRF.Algorithm) > 0 {
		var ok bool
		if prf, ok = prfs[kdf.PRF.Algorithm.String()]; !ok {
			return nil, unsupportedError("PBKDF2 PRF " + kdf.PRF.Algorithm.String() + " is not supported")
		}
	}
	keyLen, ok := aesKeyLen[params.Enc.Algorithm.String()]
	if !ok {
		return nil, unsupportedError("PBES2 cipher " + params.Enc.Algorithm.String() + " is not supported")
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Enc.Parameters.FullBytes, &iv); err != nil || len(iv) != aes.BlockSize {
		return nil, errors.New("pkcs12: bad AES-CBC IV")
	}
	key, err := pbkdf2.Key(prf, password, kdf.Salt, kdf.Iterations, keyLen)
	if err != nil {
		return nil, fmt.Errorf("pkcs12: PBKDF2: %w", err)
	}
	ct, err := octets(ed.Info.Content)
	if err != nil {
		return nil, err
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("pkcs12: encrypted content is not a whole number of AES blocks")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, errors.New("pkcs12: decryption failed (wrong password?)")
	}
	return pt[:len(pt)-pad], nil
}

// octets returns the content of encryptedContent [0] IMPLICIT OCTET STRING, primitive or constructed.
func octets(rv asn1.RawValue) ([]byte, error) {
	if rv.Class != asn1.ClassContextSpecific || rv.Tag != 0 {
		return nil, errors.New("pkcs12: EncryptedData has no encrypted content")
	}
	if !rv.IsCompound {
		return rv.Bytes, nil
	}
	var out []byte
	for rest := rv.Bytes; len(rest) > 0; {
		var part []byte
		var err error
		if rest, err = asn1.Unmarshal(rest, &part); err != nil {
			return nil, fmt.Errorf("pkcs12: constructed encrypted content: %w", err)
		}
		out = append(out, part...)
	}
	return out, nil
}

// SetPKCS12KeyAlias gives every key bag in a plain-data SafeContents the friendlyName alias (replacing
// any) and recomputes the PFX MAC, as keytool writes key entries. The MAC must be HMAC-SHA-1 or
// HMAC-SHA-256 with the PKCS #12 key derivation (go-pkcs12 Modern2023/Legacy*); PBMAC1 is not supported.
func SetPKCS12KeyAlias(raw []byte, password, alias string) ([]byte, error) {
	pfx, infos, _, err := authSafeContents(raw)
	if err != nil {
		return nil, err
	}
	nameAttr, err := friendlyNameAttribute(alias)
	if err != nil {
		return nil, err
	}
	changed := 0
	var newInfos []asn1.RawValue
	for _, ciRaw := range infos {
		var ci p12ContentInfo
		if _, err := asn1.Unmarshal(ciRaw, &ci); err != nil {
			return nil, fmt.Errorf("pkcs12: ContentInfo: %w", err)
		}
		if !ci.ContentType.Equal(oidP12Data) {
			newInfos = append(newInfos, asn1.RawValue{FullBytes: ciRaw})
			continue
		}
		bags, err := safeBagsOf(ciRaw, password)
		if err != nil {
			return nil, err
		}
		touched := false
		for i := range bags {
			if !bags[i].ID.Equal(oidKeyBag) && !bags[i].ID.Equal(oidShroudedKeyBag) {
				continue
			}
			var attrs []p12Attribute
			for _, a := range bags[i].Attributes {
				if !a.ID.Equal(oidFriendlyName) {
					attrs = append(attrs, a)
				}
			}
			bags[i].Attributes = append([]p12Attribute{nameAttr}, attrs...)
			touched = true
			changed++
		}
		if !touched {
			newInfos = append(newInfos, asn1.RawValue{FullBytes: ciRaw})
			continue
		}
		contents, err := asn1.Marshal(bags)
		if err != nil {
			return nil, err
		}
		data, err := asn1.Marshal(contents)
		if err != nil {
			return nil, err
		}
		ciBytes, err := asn1.Marshal(p12ContentInfo{ContentType: oidP12Data,
			Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: data}})
		if err != nil {
			return nil, err
		}
		newInfos = append(newInfos, asn1.RawValue{FullBytes: ciBytes})
	}
	if changed == 0 {
		return nil, errors.New("pkcs12: no key bag in plain data to name")
	}
	safeBytes, err := asn1.Marshal(newInfos)
	if err != nil {
		return nil, err
	}
	authData, err := asn1.Marshal(safeBytes)
	if err != nil {
		return nil, err
	}
	pfx.AuthSafe.Content = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: authData}
	if len(pfx.MacData.FullBytes) > 0 {
		var mac p12MacData
		if _, err := asn1.Unmarshal(pfx.MacData.FullBytes, &mac); err != nil {
			return nil, fmt.Errorf("pkcs12: MacData: %w", err)
		}
		var h func() hash.Hash
		switch alg := mac.Mac.Algorithm.Algorithm; {
		case alg.Equal(oidMacSHA1):
			h = sha1.New
		case alg.Equal(oidMacSHA256):
			h = sha256.New
		default:
			return nil, fmt.Errorf("pkcs12: MAC algorithm %s is not supported", alg)
		}
		mac.Mac.Digest = pkcs12MAC(h, password, mac.MacSalt, mac.Iterations, safeBytes)
		if pfx.MacData.FullBytes, err = asn1.Marshal(mac); err != nil {
			return nil, err
		}
	}
	return asn1.Marshal(*pfx)
}

func friendlyNameAttribute(alias string) (p12Attribute, error) {
	u := utf16.Encode([]rune(alias))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	v, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagBMPString, Bytes: b})
	if err != nil {
		return p12Attribute{}, err
	}
	return p12Attribute{ID: oidFriendlyName,
		Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: v}}, nil
}

// pkcs12MAC is RFC 7292's PFX MAC: HMAC keyed by the Appendix B.2 derivation (ID 3) of the BMPString
// password with its two-byte terminator.
func pkcs12MAC(h func() hash.Hash, password string, salt []byte, iterations int, data []byte) []byte {
	key := pkcs12KDF(h, 3, bmpPassword(password), salt, iterations, h().Size())
	m := hmac.New(h, key)
	m.Write(data)
	return m.Sum(nil)
}

func bmpPassword(p string) []byte {
	u := utf16.Encode([]rune(p))
	b := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return append(b, 0, 0)
}

// pkcs12KDF is RFC 7292 Appendix B.2.
func pkcs12KDF(newHash func() hash.Hash, id byte, password, salt []byte, iterations, n int) []byte {
	hh := newHash()
	u, v := hh.Size(), hh.BlockSize()
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		out := make([]byte, v*((len(src)+v-1)/v))
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	D := bytes.Repeat([]byte{id}, v)
	I := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < n {
		hh.Reset()
		hh.Write(D)
		hh.Write(I)
		A := hh.Sum(nil)
		for r := 1; r < iterations; r++ {
			hh.Reset()
			hh.Write(A)
			A = hh.Sum(A[:0])
		}
		out = append(out, A...)
		if len(out) >= n {
			break
		}
		B := make([]byte, v)
		for i := range B {
			B[i] = A[i%u]
		}
		for j := 0; j < len(I); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				s := int(I[j+k]) + int(B[k]) + carry
				I[j+k] = byte(s)
				carry = s >> 8
			}
		}
	}
	return out[:n]
}
