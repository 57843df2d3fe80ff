package trust

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"unicode/utf16"
)

// go-pkcs12 v0.7.4 cannot set the friendlyName (Java alias) of a private-key
// bag. Java then names the entry "1", so a deployment.toml `alias =
// "wso2carbon"` would not find it. The key bag and its attributes live in an
// unencrypted SafeContents, so the alias can be added after encoding without
// touching any ciphertext; only the integrity MAC has to be recomputed.

var (
	oidData            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidShroudedKeyBag  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidFriendlyName    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}
	oidHMACSHA256PKCS  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	errNoAuthSafeBytes = errors.New("PKCS12 authenticated safe is not plain data")
)

type p12PFX struct {
	Version  int
	AuthSafe p12ContentInfo
	MacData  p12MacData `asn1:"optional"`
}

type p12ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type p12MacData struct {
	Mac        p12DigestInfo
	MacSalt    []byte
	Iterations int `asn1:"optional,default:1"`
}

type p12DigestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type p12SafeBag struct {
	ID         asn1.ObjectIdentifier
	Value      asn1.RawValue  `asn1:"tag:0,explicit"`
	Attributes []p12Attribute `asn1:"set,optional"`
}

type p12Attribute struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

// explicit0 wraps DER bytes as the [0] EXPLICIT content of a ContentInfo.
func explicit0(der []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der}
}

// parseAuthSafe returns the ContentInfos of a PFX's authenticated safe.
func parseAuthSafe(der []byte) (*p12PFX, []p12ContentInfo, error) {
	var pfx p12PFX
	if rest, err := asn1.Unmarshal(der, &pfx); err != nil {
		return nil, nil, fmt.Errorf("parse PFX: %w", err)
	} else if len(rest) > 0 {
		return nil, nil, errors.New("parse PFX: trailing data")
	}
	if !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil, nil, errNoAuthSafeBytes
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, nil, fmt.Errorf("parse authenticated safe: %w", err)
	}
	var infos []p12ContentInfo
	if _, err := asn1.Unmarshal(authSafe, &infos); err != nil {
		return nil, nil, fmt.Errorf("parse authenticated safe contents: %w", err)
	}
	return &pfx, infos, nil
}

func parseSafeBags(ci p12ContentInfo) ([]p12SafeBag, error) {
	var raw []byte
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &raw); err != nil {
		return nil, fmt.Errorf("parse safe contents: %w", err)
	}
	var bags []p12SafeBag
	if _, err := asn1.Unmarshal(raw, &bags); err != nil {
		return nil, fmt.Errorf("parse safe bags: %w", err)
	}
	return bags, nil
}

// setKeyFriendlyName sets the friendlyName of every shrouded key bag in a
// Modern2023-encoded PFX and recomputes its HMAC-SHA-256 MAC.
func setKeyFriendlyName(der []byte, password, alias string) ([]byte, error) {
	pfx, infos, err := parseAuthSafe(der)
	if err != nil {
		return nil, err
	}
	if !pfx.MacData.Mac.Algorithm.Algorithm.Equal(oidHMACSHA256PKCS) {
		return nil, fmt.Errorf("unexpected MAC algorithm %v (expected HMAC-SHA-256)", pfx.MacData.Mac.Algorithm.Algorithm)
	}
	name, err := bmpString(alias, false)
	if err != nil {
		return nil, err
	}
	nameDER, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagBMPString, Bytes: name})
	if err != nil {
		return nil, err
	}
	found := false
	for i, ci := range infos {
		if !ci.ContentType.Equal(oidData) {
			continue // encrypted certificate bags stay untouched
		}
		bags, err := parseSafeBags(ci)
		if err != nil {
			return nil, err
		}
		for j := range bags {
			if !bags[j].ID.Equal(oidShroudedKeyBag) {
				continue
			}
			found = true
			attrs := bags[j].Attributes[:0:0]
			for _, a := range bags[j].Attributes {
				if !a.ID.Equal(oidFriendlyName) {
					attrs = append(attrs, a)
				}
			}
			attrs = append(attrs, p12Attribute{ID: oidFriendlyName,
				Value: asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: nameDER}})
			bags[j].Attributes = attrs
		}
		bagsDER, err := asn1.Marshal(bags)
		if err != nil {
			return nil, fmt.Errorf("marshal safe bags: %w", err)
		}
		octets, err := asn1.Marshal(bagsDER)
		if err != nil {
			return nil, err
		}
		infos[i].Content = explicit0(octets)
	}
	if !found {
		return nil, errors.New("no private-key bag found")
	}
	authSafe, err := asn1.Marshal(infos)
	if err != nil {
		return nil, fmt.Errorf("marshal authenticated safe: %w", err)
	}
	pw, err := bmpString(password, true)
	if err != nil {
		return nil, err
	}
	key := pkcs12KDF(sha256.New, pfx.MacData.MacSalt, pw, pfx.MacData.Iterations, 3, sha256.Size)
	mac := hmac.New(sha256.New, key)
	mac.Write(authSafe)
	pfx.MacData.Mac.Digest = mac.Sum(nil)
	octets, err := asn1.Marshal(authSafe)
	if err != nil {
		return nil, err
	}
	pfx.AuthSafe.Content = explicit0(octets)
	out, err := asn1.Marshal(*pfx)
	if err != nil {
		return nil, fmt.Errorf("marshal PFX: %w", err)
	}
	return out, nil
}

// keyFriendlyNames lists the aliases of the private-key bags stored in plain
// SafeContents (where keytool and go-pkcs12 put them).
func keyFriendlyNames(der []byte) ([]string, error) {
	_, infos, err := parseAuthSafe(der)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, ci := range infos {
		if !ci.ContentType.Equal(oidData) {
			continue
		}
		bags, err := parseSafeBags(ci)
		if err != nil {
			return nil, err
		}
		for _, b := range bags {
			if !b.ID.Equal(oidShroudedKeyBag) {
				continue
			}
			for _, a := range b.Attributes {
				if !a.ID.Equal(oidFriendlyName) {
					continue
				}
				var v asn1.RawValue
				if _, err := asn1.Unmarshal(a.Value.Bytes, &v); err != nil || len(v.Bytes)%2 != 0 {
					continue
				}
				u := make([]uint16, len(v.Bytes)/2)
				for i := range u {
					u[i] = uint16(v.Bytes[2*i])<<8 | uint16(v.Bytes[2*i+1])
				}
				names = append(names, string(utf16.Decode(u)))
			}
		}
	}
	return names, nil
}

// bmpString encodes s as big-endian UTF-16, optionally NUL-terminated as
// PKCS#12 requires for passwords.
func bmpString(s string, terminate bool) ([]byte, error) {
	var out []byte
	for _, r := range s {
		if r > 0xFFFF {
			return nil, fmt.Errorf("character %q is outside the Basic Multilingual Plane", r)
		}
		out = append(out, byte(r>>8), byte(r))
	}
	if terminate {
		out = append(out, 0, 0)
	}
	return out, nil
}

// pkcs12KDF is the RFC 7292 appendix B.2 key derivation: id 1 derives a
// cipher key, 2 an IV, 3 a MAC key. newHash must have a 64-byte block (v);
// SHA-1 and SHA-256 do.
func pkcs12KDF(newHash func() hash.Hash, salt, password []byte, iterations int, id byte, size int) []byte {
	const v = 64
	u := newHash().Size()
	fill := func(p []byte) []byte {
		if len(p) == 0 {
			return nil
		}
		n := v * ((len(p) + v - 1) / v)
		out := make([]byte, n)
		for i := range out {
			out[i] = p[i%len(p)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	in := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < size {
		h := newHash()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for i := 1; i < iterations; i++ {
			h.Reset()
			h.Write(a)
			a = h.Sum(a[:0])
		}
		out = append(out, a...)
		if len(out) >= size {
			break
		}
		b := make([]byte, v)
		for i := range b {
			b[i] = a[i%u]
		}
		// I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I.
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(in[j+k]) + int(b[k]) + carry
				in[j+k] = byte(sum)
				carry = sum >> 8
			}
		}
	}
	return out[:size]
}
