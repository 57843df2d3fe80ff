package simimage

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kmconform/kmconform/containers"
)

// layoutRev names the image layout in the Dockerfile text, so a layout change made in code (which the
// Dockerfile may not show, e.g. /etc/passwd) still changes the content hash and the tag.
const layoutRev = "kmconform simimage layout 1"

const userHome = "/home/wso2carbon"

// layout is everything that makes one product's image differ from another's.
type layout struct {
	product containers.Product
	version string // empty for the backend
	uid     int    // the official image's user; its group id is the same number
	home    string // product home inside the image; empty for the backend
	entry   []string
	ports   []int
}

// versionRE keeps the version usable in a tag and a path.
var versionRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$`)

func layoutFor(req Request) (layout, error) {
	ports := containers.Ports[req.Product]
	switch req.Product {
	case containers.IS, containers.APIM:
		if !versionRE.MatchString(req.Version) {
			return layout{}, fmt.Errorf("simulator image for %s: version %q is not a product version like 7.1.0: pass one", req.Product, req.Version)
		}
		l := layout{product: req.Product, version: req.Version, ports: ports, entry: []string{"/kmsim", "serve"}}
		if req.Product == containers.IS {
			l.uid, l.home = 802, userHome+"/wso2is-"+req.Version
		} else {
			l.uid, l.home = 10001, userHome+"/wso2am-"+req.Version
		}
		return l, nil
	case containers.Echo:
		// The backend has no version; ignoring one keeps its tag the same for every cell.
		return layout{product: req.Product, uid: 10001, ports: ports,
			entry: []string{"/kmsim", "backend", "--port", "8080"}}, nil
	default:
		return layout{}, fmt.Errorf("no simulator image for product %q: use is, apim or backend", req.Product)
	}
}

// defaultPath is what the classic builder gives a FROM scratch image on its own; stating it makes an
// imported image's environment the same as a built one's.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func (l layout) env() []string {
	if l.home == "" {
		return []string{defaultPath}
	}
	return []string{defaultPath, "KMSIM_PRODUCT=" + string(l.product), "KMSIM_VERSION=" + l.version, "KMSIM_HOME=" + l.home}
}

// instructions are the image settings, shared by the Dockerfile and by the import fallback's changes.
func (l layout) instructions() []string {
	entry, _ := json.Marshal(l.entry) // a []string always marshals
	out := []string{"USER " + strconv.Itoa(l.uid), "WORKDIR " + userHome}
	out = append(out, "ENV "+strings.Join(l.env(), " "))
	ports := make([]string, len(l.ports))
	for i, p := range l.ports {
		ports[i] = strconv.Itoa(p)
	}
	return append(out, "EXPOSE "+strings.Join(ports, " "), "ENTRYPOINT "+string(entry))
}

func (l layout) dockerfile() string {
	return "# " + layoutRev + "\nFROM scratch\nADD rootfs.tar /\n" + strings.Join(l.instructions(), "\n") + "\n"
}

// labels mark the image for Prune and say what it holds.
func (l layout) labels(hash string) map[string]string {
	m := map[string]string{
		"kmconform":                  "true",
		"kmconform.simimage":         "true",
		"kmconform.content":          hash,
		"kmconform.simimage.product": string(l.product),
	}
	if l.version != "" {
		m["kmconform.simimage.version"] = l.version
	}
	return m
}

// labelLine is one LABEL instruction for all labels, in a stable order: the classic builder makes every
// instruction a step with its own container (about a second each on this engine), and build-option
// labels would add one step per label.
func labelLine(labels map[string]string) string {
	keys := slices.Sorted(maps.Keys(labels))
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + strconv.Quote(labels[k])
	}
	return "LABEL " + strings.Join(pairs, " ")
}

// buildfile is the Dockerfile sent to the engine: the hashed text plus the labels, which carry the hash
// and so cannot be part of it.
func (l layout) buildfile(hash string) string {
	return l.dockerfile() + labelLine(l.labels(hash)) + "\n"
}

// tag is kmconform/kmsim-<product>:<version or latest>-<12 hex of the content hash>.
func (l layout) tag(hash string) string {
	v := l.version
	if v == "" {
		v = "latest"
	}
	return "kmconform/kmsim-" + string(l.product) + ":" + v + "-" + hash[:12]
}
