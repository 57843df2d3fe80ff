package report

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// FindCells lists the cell folders under root, at any depth: a folder named is-<v>_apim-<v> that holds a
// results.json, or that holds no further cell folder (a cell that wrote nothing). CI systems put each job's
// folder somewhere of their own (GitHub's download-artifact: <dir>/<artifact>/…).
func FindCells(root string) ([]string, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", root)
	}
	var out []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if _, _, ok := ParseCellName(d.Name()); !ok {
			return nil
		}
		if _, err := os.Stat(filepath.Join(path, "results.json")); err == nil || !hasCellBelow(path) {
			out = append(out, path)
			return filepath.SkipDir
		}
		return nil
	})
	return out, err
}

func hasCellBelow(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if path != dir && d.IsDir() {
			if _, _, ok := ParseCellName(d.Name()); ok {
				found = true
				return filepath.SkipAll
			}
		}
		return nil
	})
	return found
}

// Merge joins the cell folders found under each of dirs into out: each cell folder is copied to
// out/<cell> (unless it is already there), so that the report's relative links work, and the matrix of
// exactly those cells is returned. A cell found twice is refused: merge each cell once.
func Merge(dirs []string, out string, generated time.Time) (*Matrix, error) {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	found := map[string]string{}
	var order []string
	for _, d := range dirs {
		cells, err := FindCells(d)
		if err != nil {
			return nil, err
		}
		for _, c := range cells {
			name := filepath.Base(c)
			if prev, dup := found[name]; dup {
				return nil, fmt.Errorf("cell %s is in both %s and %s: merge each cell once", name, prev, c)
			}
			found[name] = c
			order = append(order, name)
		}
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no cell folders (is-<version>_apim-<version>) under %v: give the folders the cell jobs' reports were downloaded to", dirs)
	}
	// Read every cell before copying anything: a damaged results.json stops the merge with nothing written.
	var cells []Cell
	for _, name := range order {
		c, err := ReadCell(found[name])
		if err != nil {
			return nil, err
		}
		cells = append(cells, c)
	}
	if err := os.MkdirAll(absOut, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", out, err)
	}
	for _, name := range order {
		src, err := filepath.Abs(found[name])
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(absOut, name)
		if src == dst {
			continue
		}
		if err := replaceDir(src, dst); err != nil {
			return nil, fmt.Errorf("copy %s to %s: %w", src, dst, err)
		}
	}
	return New(cells, generated), nil
}

// replaceDir copies src to dst through a temporary folder next to it, so that dst is either the old
// folder or the whole new one.
func replaceDir(src, dst string) error {
	tmp := dst + ".merging"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := copyDir(src, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	return os.Rename(tmp, dst)
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // symlinks and devices are not report files
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
