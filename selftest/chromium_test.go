package selftest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// page is what the grid of matrix.html shows once a browser has rendered it.
type page struct {
	verdict string
	rows    []gridRow
}

type gridRow struct {
	cell    string
	squares []square
}

type square struct {
	check, outcome, class, title, href string
}

// chromium finds Debian's chromium. Without it the test fails when KMCONFORM_REQUIRE_CHROMIUM=1 (CI, whose
// .ci/run installs it) and is skipped, loudly, otherwise.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("KMCONFORM_REQUIRE_CHROMIUM") == "1" {
		t.Fatal("headless Chromium is required (KMCONFORM_REQUIRE_CHROMIUM=1) but none is installed: apt-get install chromium")
	}
	t.Skip("*** no chromium: the rendering of matrix.html is NOT checked (apt-get install chromium) ***")
	return ""
}

// artifacts is the test's folder for what a person looks at after a failure (the screenshot): kept when the
// test fails, removed when it passes unless KMCONFORM_KEEP_ARTIFACTS=1.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "kmconform-artifacts", strings.ReplaceAll(t.Name(), "/", "_")+"-"+time.Now().Format("20060102-150405"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("artifacts of this test: %s", dir)
	t.Cleanup(func() {
		if !t.Failed() && os.Getenv("KMCONFORM_KEEP_ARTIFACTS") != "1" {
			_ = os.RemoveAll(dir)
		}
	})
	return dir
}

// renderInChromium loads the page in headless Chromium with every host unresolvable (the page must need
// no network), saves a screenshot under the test's artifacts and returns the grid of the DOM Chromium
// built.
func renderInChromium(t *testing.T, file string) page {
	t.Helper()
	bin := chromium(t)
	art := artifacts(t)
	url := "file://" + file
	run := func(extra ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
			"--host-resolver-rules=MAP * ~NOTFOUND", "--user-data-dir=" + t.TempDir(), "--window-size=1400,1600"}, extra...)
		cmd := exec.CommandContext(ctx, bin, append(args, url)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.String())
		}
		return stdout.Bytes()
	}
	shot := filepath.Join(art, "matrix.png")
	run("--screenshot=" + shot)
	if st, err := os.Stat(shot); err != nil || st.Size() < 10_000 {
		t.Errorf("no screenshot of the page at %s (%v)", shot, err)
	}
	dom := run("--dump-dom")
	_ = os.WriteFile(filepath.Join(art, "matrix.dom.html"), dom, 0o644)
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("the DOM Chromium dumped does not parse: %v", err)
	}
	var p page
	var assets []string
	walk(doc, func(n *html.Node) {
		switch {
		case n.Type != html.ElementNode:
		case n.Data == "span" && attr(n, "id") == "verdict":
			p.verdict = text(n)
		case n.Data == "tr" && attr(n, "data-cell") != "" && inGrid(n):
			row := gridRow{cell: attr(n, "data-cell")}
			walk(n, func(c *html.Node) {
				if c.Type == html.ElementNode && c.Data == "td" && attr(c, "data-check") != "" {
					sq := square{check: attr(c, "data-check"), outcome: attr(c, "data-outcome"), class: attr(c, "class"), title: attr(c, "title")}
					walk(c, func(a *html.Node) {
						if a.Type == html.ElementNode && a.Data == "a" {
							sq.href = attr(a, "href")
						}
					})
					row.squares = append(row.squares, sq)
				}
			})
			p.rows = append(p.rows, row)
		case n.Data == "script" || (n.Data == "link" && attr(n, "href") != "") || (n.Data == "img" && attr(n, "src") != ""):
			assets = append(assets, fmt.Sprintf("<%s>", n.Data))
		}
	})
	if len(assets) > 0 {
		t.Errorf("matrix.html is not self-contained: it loads %v", assets)
	}
	return p
}

func inGrid(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "table" {
			return attr(p, "id") == "grid"
		}
	}
	return false
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(b.String())
}
