package notifjar

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// Manifest reads the main attributes of a JAR's META-INF/MANIFEST.MF (continuation lines joined), so that
// a check can tell which handler version sits in IS's dropins: the real JAR is an OSGi bundle
// (Bundle-SymbolicName, Bundle-Version), and so is the stand-in.
func Manifest(jar []byte) (map[string]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		return nil, fmt.Errorf("not a JAR (zip) file: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "META-INF/MANIFEST.MF" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("open the manifest: %w", err)
		}
		defer rc.Close()
		attrs := map[string]string{}
		var last string
		sc := bufio.NewScanner(io.LimitReader(rc, 1<<20))
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			switch {
			case line == "":
				return attrs, nil // end of the main section
			case strings.HasPrefix(line, " ") && last != "":
				attrs[last] += line[1:]
			default:
				k, v, ok := strings.Cut(line, ":")
				if !ok {
					continue
				}
				last = strings.TrimSpace(k)
				attrs[last] = strings.TrimSpace(v)
			}
		}
		return attrs, sc.Err()
	}
	return nil, fmt.Errorf("the JAR has no META-INF/MANIFEST.MF")
}

// Version is a handler JAR's Bundle-Version.
func Version(jar []byte) (string, error) {
	m, err := Manifest(jar)
	if err != nil {
		return "", err
	}
	v := m["Bundle-Version"]
	if v == "" {
		return "", fmt.Errorf("the JAR's manifest has no Bundle-Version")
	}
	return v, nil
}
