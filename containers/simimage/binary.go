package simimage

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
)

// readStatic reads the kmsim binary and refuses one a FROM scratch image cannot run: an image without a
// C library or dynamic loader needs a statically linked Linux executable.
func readStatic(path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("no kmsim binary given: build one with CGO_ENABLED=0 go build -o kmsim ./cmd/kmsim and pass its path")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the kmsim binary: %w", err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s is not a Linux executable (%v): build kmsim with GOOS=linux CGO_ENABLED=0", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("%s is an ELF %s, not an executable: pass the kmsim program built with CGO_ENABLED=0", path, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return nil, fmt.Errorf("%s is dynamically linked and a FROM scratch image has no dynamic loader: rebuild it with CGO_ENABLED=0 go build ./cmd/kmsim", path)
		}
	}
	return data, nil
}

// contentHash is SHA-256 over the binary, the product, the version and the Dockerfile text, each
// length-prefixed so that no two inputs run together into the same bytes.
func contentHash(bin []byte, l layout) string {
	h := sha256.New()
	for _, part := range [][]byte{bin, []byte(l.product), []byte(l.version), []byte(l.dockerfile())} {
		_ = binary.Write(h, binary.BigEndian, uint64(len(part))) // hash writes never fail
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}
