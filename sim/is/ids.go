package is

import (
	"crypto/rand"
	"crypto/sha1"
	"fmt"
)

// newUUID is a random (version 4) UUID, the form IS uses for opaque tokens, jti and event ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// nameUUID is a stable name-based (version 5 style) UUID, used for user ids.
func nameUUID(name string) string {
	sum := sha1.Sum([]byte("kmsim-user:" + name))
	var b [16]byte
	copy(b[:], sum[:16])
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

// newClientKey makes a 28-character key like the client ids and secrets IS generates.
func newClientKey() string {
	var b [28]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}
