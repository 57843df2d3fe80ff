package simimage

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// initHome runs `kmsim init-home` on the host and returns the directory it wrote.
func initHome(ctx context.Context, kmsim, tmp string, l layout) (string, error) {
	dir := filepath.Join(tmp, "home")
	cmd := exec.CommandContext(ctx, kmsim, "init-home", "--product", string(l.product), "--version", l.version, "--dir", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("kmsim init-home for %s %s failed (%s): %w", l.product, l.version, strings.TrimSpace(string(out)), err)
	}
	return dir, nil
}

// rootfs is the image's whole file system as a tar whose headers carry the owners and modes; the
// classic builder's ADD of a local tar keeps them (its COPY would reset them to root).
func rootfs(l layout, bin []byte, homeDir string) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	now := time.Now().Truncate(time.Second)
	add := func(name string, uid int, mode int64, typ byte, body []byte, link string) error {
		h := &tar.Header{Name: name, Uid: uid, Gid: uid, Mode: mode, Typeflag: typ, Linkname: link, ModTime: now}
		if typ == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := w.WriteHeader(h); err != nil {
			return fmt.Errorf("write %s to the image tar: %w", name, err)
		}
		_, err := w.Write(body)
		return err
	}
	user := strconv.Itoa(l.uid)
	passwd := "root:x:0:0:root:/root:/sbin/nologin\nwso2carbon:x:" + user + ":" + user + ":wso2carbon:" + userHome + ":/sbin/nologin\n"
	group := "root:x:0:\nwso2:x:" + user + ":wso2carbon\n"
	steps := []func() error{
		func() error { return add("etc/", 0, 0o755, tar.TypeDir, nil, "") },
		func() error { return add("etc/passwd", 0, 0o644, tar.TypeReg, []byte(passwd), "") },
		func() error { return add("etc/group", 0, 0o644, tar.TypeReg, []byte(group), "") },
		func() error { return add("tmp/", 0, 0o1777, tar.TypeDir, nil, "") },
		func() error { return add("home/", 0, 0o755, tar.TypeDir, nil, "") },
		func() error { return add(strings.TrimPrefix(userHome, "/")+"/", l.uid, 0o755, tar.TypeDir, nil, "") },
		func() error { return add("kmsim", 0, 0o755, tar.TypeReg, bin, "") },
	}
	if homeDir != "" {
		steps = append(steps, func() error { return addTree(add, homeDir, strings.TrimPrefix(l.home, "/"), l.uid) })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("finish the image tar: %w", err)
	}
	return buf.Bytes(), nil
}

type addFunc func(name string, uid int, mode int64, typ byte, body []byte, link string) error

// addTree adds the host directory src under dst, every entry owned by uid and keeping its permission bits.
func addTree(add addFunc, src, dst string, uid int) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read the generated home: %w", err)
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := path.Join(dst, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("read the generated home: %w", err)
		}
		mode := int64(info.Mode().Perm())
		switch {
		case d.IsDir():
			return add(name+"/", uid, mode, tar.TypeDir, nil, "")
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("read the generated home: %w", err)
			}
			return add(name, uid, 0o777, tar.TypeSymlink, nil, target)
		case info.Mode().IsRegular():
			body, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("read the generated home: %w", err)
			}
			return add(name, uid, mode, tar.TypeReg, body, "")
		default:
			return fmt.Errorf("kmsim init-home wrote %s, which is neither a file, a directory nor a symlink", p)
		}
	})
}

// buildContext is the in-memory build context: the Dockerfile and the root file system tar it ADDs.
func buildContext(dockerfile string, fsTar []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		body []byte
	}{{"Dockerfile", []byte(dockerfile)}, {"rootfs.tar", fsTar}} {
		h := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg, ModTime: time.Now()}
		if err := w.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("write the build context: %w", err)
		}
		if _, err := w.Write(f.body); err != nil {
			return nil, fmt.Errorf("write the build context: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("write the build context: %w", err)
	}
	return buf.Bytes(), nil
}
