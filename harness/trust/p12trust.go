package trust

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/bits"
	"unicode/utf16"
)

// go-pkcs12's DecodeTrustStore returns certificates without their aliases
// (friendlyName bag attributes), so rewriting a trust store with it renames
// every entry; on IS 7.1+ that would turn `wso2carbon` into `localhost`. The
// reader below decrypts the authenticated safe itself and returns each
// certificate bag with its friendlyName. It does not check the integrity MAC:
// callers run go-pkcs12 first, which verifies the MAC and the password.

var (
	oidEncryptedData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidCertBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3}
	oidX509CertType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}
	oidPBEWithSHA3KeyDES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}
	oidPBEWithSHA2KeyDES   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 4}
	oidPBEWithSHA128RC2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 5}
	oidPBEWithSHA40RC2     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 6}
	oidPBES2               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACWithSHA1        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACWithSHA224      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACWithSHA384      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACWithSHA512      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}
	oidAES128CBC           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC           = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC          = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
	errP12WrongPassword    = errors.New("wrong store password (decryption failed)")
	errP12UnsupportedCrypt = errors.New("unsupported PKCS12 encryption algorithm")
)

// p12CertEntry is one certificate bag: the DER certificate and its alias
// ("" when the bag has no friendlyName).
type p12CertEntry struct {
	Raw   []byte
	Alias string
}

type p12EncryptedData struct {
	Version              int
	EncryptedContentInfo p12EncryptedContentInfo
}

type p12EncryptedContentInfo struct {
	ContentType                asn1.ObjectIdentifier
	ContentEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedContent           []byte `asn1:"tag:0,optional"`
}

type p12CertBag struct {
	ID   asn1.ObjectIdentifier
	Data []byte `asn1:"tag:0,explicit"`
}

type p12PBEParams struct {
	Salt       []byte
	Iterations int
}

type p12PBES2Params struct {
	KDF        pkix.AlgorithmIdentifier
	Encryption pkix.AlgorithmIdentifier
}

type p12PBKDF2Params struct {
	Salt       asn1.RawValue
	Iterations int
	KeyLength  int                      `asn1:"optional"`
	PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
}

// readP12CertEntries returns every certificate bag of a PFX, in file order,
// decrypting encrypted SafeContents with password. Private-key bags and other
// bag types are skipped.
func readP12CertEntries(der []byte, password string) ([]p12CertEntry, error) {
	_, infos, err := parseAuthSafe(der)
	if err != nil {
		return nil, err
	}
	var out []p12CertEntry
	for i, ci := range infos {
		var bags []p12SafeBag
		switch {
		case ci.ContentType.Equal(oidData):
			if bags, err = parseSafeBags(ci); err != nil {
				return nil, err
			}
		case ci.ContentType.Equal(oidEncryptedData):
			var ed p12EncryptedData
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &ed); err != nil {
				return nil, fmt.Errorf("safe contents %d: parse encrypted data: %w", i, err)
			}
			plain, err := p12Decrypt(ed.EncryptedContentInfo.ContentEncryptionAlgorithm, ed.EncryptedContentInfo.EncryptedContent, password)
			if err != nil {
				return nil, fmt.Errorf("safe contents %d: %w", i, err)
			}
			if _, err := asn1.Unmarshal(plain, &bags); err != nil {
				return nil, fmt.Errorf("safe contents %d: parse decrypted safe bags: %w", i, err)
			}
		default:
			return nil, fmt.Errorf("safe contents %d: unsupported content type %v (public-key encrypted PKCS12 is not supported)", i, ci.ContentType)
		}
		for _, b := range bags {
			if !b.ID.Equal(oidCertBag) {
				continue
			}
			var cb p12CertBag
			if _, err := asn1.Unmarshal(b.Value.Bytes, &cb); err != nil {
				return nil, fmt.Errorf("parse certificate bag: %w", err)
			}
			if !cb.ID.Equal(oidX509CertType) {
				continue // SDSI certificates: neither Java nor go-pkcs12 use them
			}
			e := p12CertEntry{Raw: cb.Data}
			for _, a := range b.Attributes {
				if a.ID.Equal(oidFriendlyName) && e.Alias == "" {
					e.Alias = decodeFriendlyName(a.Value.Bytes)
				}
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// decodeFriendlyName decodes the first value of a friendlyName attribute's
// SET: a BMPString per PKCS#9 (UTF8String is accepted too). It returns "" for
// anything unreadable, which callers treat as "no alias".
func decodeFriendlyName(set []byte) string {
	var v asn1.RawValue
	if _, err := asn1.Unmarshal(set, &v); err != nil || v.Class != asn1.ClassUniversal {
		return ""
	}
	switch v.Tag {
	case asn1.TagBMPString:
		if len(v.Bytes)%2 != 0 {
			return ""
		}
		u := make([]uint16, len(v.Bytes)/2)
		for i := range u {
			u[i] = binary.BigEndian.Uint16(v.Bytes[2*i:])
		}
		return string(utf16.Decode(u))
	case asn1.TagUTF8String:
		return string(v.Bytes)
	}
	return ""
}

// p12Decrypt decrypts CBC ciphertext under a PKCS#12 PBE (RFC 7292 appendix
// C: SHA-1 with 3DES or RC2) or PBES2 (PBKDF2 with AES or 3DES) algorithm —
// what keytool (legacy and JDK 12+ defaults), OpenSSL and go-pkcs12 write.
func p12Decrypt(alg pkix.AlgorithmIdentifier, ciphertext []byte, password string) ([]byte, error) {
	if alg.Algorithm.Equal(oidPBES2) {
		block, iv, err := pbes2Cipher(alg, password)
		if err != nil {
			return nil, err
		}
		return cbcDecrypt(block, iv, ciphertext)
	}
	var keyLen int
	var newBlock func(key []byte) (cipher.Block, error)
	switch {
	case alg.Algorithm.Equal(oidPBEWithSHA3KeyDES):
		keyLen, newBlock = 24, des.NewTripleDESCipher
	case alg.Algorithm.Equal(oidPBEWithSHA2KeyDES):
		keyLen = 16
		newBlock = func(k []byte) (cipher.Block, error) {
			return des.NewTripleDESCipher(append(append([]byte{}, k...), k[:8]...))
		}
	case alg.Algorithm.Equal(oidPBEWithSHA128RC2):
		keyLen, newBlock = 16, newRC2
	case alg.Algorithm.Equal(oidPBEWithSHA40RC2):
		keyLen, newBlock = 5, newRC2
	default:
		return nil, fmt.Errorf("%w %v", errP12UnsupportedCrypt, alg.Algorithm)
	}
	var params p12PBEParams
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return nil, fmt.Errorf("parse PBE parameters: %w", err)
	}
	pw, err := bmpString(password, true)
	if err != nil {
		return nil, err
	}
	try := func(pw []byte) ([]byte, error) {
		key := pkcs12KDF(sha1.New, params.Salt, pw, params.Iterations, 1, keyLen)
		iv := pkcs12KDF(sha1.New, params.Salt, pw, params.Iterations, 2, 8)
		block, err := newBlock(key)
		if err != nil {
			return nil, err
		}
		return cbcDecrypt(block, iv, ciphertext)
	}
	plain, err := try(pw)
	if errors.Is(err, errP12WrongPassword) && password == "" {
		// Like go-pkcs12: an empty password is either the two-byte BMP
		// terminator or no bytes at all, depending on the writer.
		plain, err = try(nil)
	}
	return plain, err
}

func pbes2Cipher(alg pkix.AlgorithmIdentifier, password string) (cipher.Block, []byte, error) {
	var params p12PBES2Params
	if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &params); err != nil {
		return nil, nil, fmt.Errorf("parse PBES2 parameters: %w", err)
	}
	if !params.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, fmt.Errorf("%w: PBES2 key derivation %v", errP12UnsupportedCrypt, params.KDF.Algorithm)
	}
	var kdf p12PBKDF2Params
	if _, err := asn1.Unmarshal(params.KDF.Parameters.FullBytes, &kdf); err != nil {
		return nil, nil, fmt.Errorf("parse PBKDF2 parameters: %w", err)
	}
	if kdf.Salt.Tag != asn1.TagOctetString {
		return nil, nil, fmt.Errorf("%w: PBKDF2 salt is not an OCTET STRING", errP12UnsupportedCrypt)
	}
	var prf func() hash.Hash
	switch p := kdf.PRF.Algorithm; {
	case len(p) == 0, p.Equal(oidHMACWithSHA1):
		prf = sha1.New
	case p.Equal(oidHMACWithSHA224):
		prf = sha256.New224
	case p.Equal(oidHMACWithSHA256):
		prf = sha256.New
	case p.Equal(oidHMACWithSHA384):
		prf = sha512.New384
	case p.Equal(oidHMACWithSHA512):
		prf = sha512.New
	default:
		return nil, nil, fmt.Errorf("%w: PBKDF2 PRF %v", errP12UnsupportedCrypt, p)
	}
	var keyLen int
	var newBlock func([]byte) (cipher.Block, error)
	switch e := params.Encryption.Algorithm; {
	case e.Equal(oidAES128CBC):
		keyLen, newBlock = 16, aes.NewCipher
	case e.Equal(oidAES192CBC):
		keyLen, newBlock = 24, aes.NewCipher
	case e.Equal(oidAES256CBC):
		keyLen, newBlock = 32, aes.NewCipher
	case e.Equal(oidDESEDE3CBC):
		keyLen, newBlock = 24, des.NewTripleDESCipher
	default:
		return nil, nil, fmt.Errorf("%w: PBES2 cipher %v", errP12UnsupportedCrypt, e)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(params.Encryption.Parameters.FullBytes, &iv); err != nil {
		return nil, nil, fmt.Errorf("parse PBES2 IV: %w", err)
	}
	// RFC 8018 passwords are octet strings; Java and go-pkcs12 use UTF-8.
	key, err := pbkdf2.Key(prf, password, kdf.Salt.Bytes, kdf.Iterations, keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("PBKDF2: %w", err)
	}
	block, err := newBlock(key)
	if err != nil {
		return nil, nil, err
	}
	if len(iv) != block.BlockSize() {
		return nil, nil, fmt.Errorf("PBES2 IV is %d bytes, want %d", len(iv), block.BlockSize())
	}
	return block, iv, nil
}

// cbcDecrypt decrypts and strips PKCS#7 padding; bad padding almost always
// means a wrong password.
func cbcDecrypt(block cipher.Block, iv, ciphertext []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 {
		return nil, fmt.Errorf("encrypted content is %d bytes, not a positive multiple of the %d-byte block", len(ciphertext), bs)
	}
	out := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ciphertext)
	n := int(out[len(out)-1])
	if n == 0 || n > bs || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errP12WrongPassword
	}
	return out[:len(out)-n], nil
}

// rc2Cipher is RC2 (RFC 2268), needed only for the 40- and 128-bit
// "pbeWithSHAAnd…RC2-CBC" certificate encryption of legacy keytool and
// go-pkcs12 LegacyRC2 stores. The effective key length equals the key length,
// as PKCS#12 specifies.
type rc2Cipher struct{ k [64]uint16 }

var rc2PITable = [256]byte{
	0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
	0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
	0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
	0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
	0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
	0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
	0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
	0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
	0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
	0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
	0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
	0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
	0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
	0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
	0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
	0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
}

func newRC2(key []byte) (cipher.Block, error) { return newRC2Bits(key, 8*len(key)) }

// newRC2Bits expands key with effective key length t1 bits (RFC 2268 §2).
func newRC2Bits(key []byte, t1 int) (cipher.Block, error) {
	t := len(key)
	if t < 1 || t > 128 || t1 < 1 || t1 > 1024 {
		return nil, fmt.Errorf("rc2: invalid key length %d bytes / %d effective bits", t, t1)
	}
	var l [128]byte
	copy(l[:], key)
	for i := t; i < 128; i++ {
		l[i] = rc2PITable[l[i-1]+l[i-t]]
	}
	t8 := (t1 + 7) / 8
	tm := byte(0xff >> uint(8*t8-t1))
	l[128-t8] = rc2PITable[l[128-t8]&tm]
	for i := 127 - t8; i >= 0; i-- {
		l[i] = rc2PITable[l[i+1]^l[i+t8]]
	}
	c := &rc2Cipher{}
	for i := range c.k {
		c.k[i] = uint16(l[2*i]) | uint16(l[2*i+1])<<8
	}
	return c, nil
}

func (*rc2Cipher) BlockSize() int { return 8 }

var rc2Shifts = [4]int{1, 2, 3, 5}

func (c *rc2Cipher) Encrypt(dst, src []byte) {
	var r [4]uint16
	for i := range r {
		r[i] = binary.LittleEndian.Uint16(src[2*i:])
	}
	j := 0
	mix := func() {
		for i := 0; i < 4; i++ {
			r[i] += c.k[j] + (r[(i+3)%4] & r[(i+2)%4]) + (^r[(i+3)%4] & r[(i+1)%4])
			j++
			r[i] = bits.RotateLeft16(r[i], rc2Shifts[i])
		}
	}
	mash := func() {
		for i := 0; i < 4; i++ {
			r[i] += c.k[r[(i+3)%4]&63]
		}
	}
	for round := 0; round < 16; round++ {
		mix()
		if round == 4 || round == 10 {
			mash()
		}
	}
	for i := range r {
		binary.LittleEndian.PutUint16(dst[2*i:], r[i])
	}
}

func (c *rc2Cipher) Decrypt(dst, src []byte) {
	var r [4]uint16
	for i := range r {
		r[i] = binary.LittleEndian.Uint16(src[2*i:])
	}
	j := 63
	rmix := func() {
		for i := 3; i >= 0; i-- {
			r[i] = bits.RotateLeft16(r[i], -rc2Shifts[i])
			r[i] -= c.k[j] + (r[(i+3)%4] & r[(i+2)%4]) + (^r[(i+3)%4] & r[(i+1)%4])
			j--
		}
	}
	rmash := func() {
		for i := 3; i >= 0; i-- {
			r[i] -= c.k[r[(i+3)%4]&63]
		}
	}
	for round := 0; round < 16; round++ {
		rmix()
		if round == 4 || round == 10 {
			rmash()
		}
	}
	for i := range r {
		binary.LittleEndian.PutUint16(dst[2*i:], r[i])
	}
}
