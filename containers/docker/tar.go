package docker

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"time"
)

// ownedTar is a tar, to extract at an existing folder, that creates the missing folders dirs (outermost
// first, mode 0755) and then the file name inside the innermost one, all owned by o. testcontainers'
// own copy writes uid 0 into its tar headers, which leaves the files root-owned.
func ownedTar(dirs []string, name string, data []byte, mode int64, o Owner) (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	prefix := ""
	for _, d := range dirs {
		prefix = path.Join(prefix, d)
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: prefix + "/", Mode: 0o755,
			Uid: o.UID, Gid: o.GID, ModTime: now}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path.Join(prefix, name), Mode: mode,
		Size: int64(len(data)), Uid: o.UID, Gid: o.GID, ModTime: now}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return &buf, nil
}

// readTarFile reads the single entry the archive API returns for a path: the file's content, or the
// target of a symbolic link.
func readTarFile(r io.Reader) (data []byte, link string, err error) {
	tr := tar.NewReader(r)
	hdr, err := tr.Next()
	if errors.Is(err, io.EOF) {
		return nil, "", errors.New("empty archive")
	}
	if err != nil {
		return nil, "", err
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
		data, err = io.ReadAll(tr)
		return data, "", err
	case tar.TypeSymlink:
		return nil, hdr.Linkname, nil
	case tar.TypeDir:
		return nil, "", errors.New("is a directory")
	}
	return nil, "", fmt.Errorf("not a regular file (tar type %q)", hdr.Typeflag)
}
