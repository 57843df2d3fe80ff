package is

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// A deliberately small XML tree and Exclusive XML Canonicalization (xml-exc-c14n, without comments and
// without an InclusiveNamespaces PrefixList) — enough for the enveloped signatures of saml2-bearer
// assertions. Not handled: DTDs and entity declarations, xml:* attribute inheritance, the PrefixList,
// and QName-valued content. It is not a general XML-DSig implementation.

type xnode struct {
	prefix, local string
	attrs         []xml.Attr        // Name.Space is the raw prefix; xmlns declarations excluded
	decls         map[string]string // namespace declarations on this element (prefix → URI; "" default)
	ns            map[string]string // in-scope namespaces
	children      []any             // *xnode or string (character data)
	parent        *xnode
}

const xmlNS = "http://www.w3.org/XML/1998/namespace"

func parseXML(data []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var root, cur *xnode
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xnode{prefix: t.Name.Space, local: t.Name.Local, decls: map[string]string{}, ns: map[string]string{"xml": xmlNS}, parent: cur}
			if cur != nil {
				for k, v := range cur.ns {
					n.ns[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.decls[""], n.ns[""] = a.Value, a.Value
				case a.Name.Space == "xmlns":
					n.decls[a.Name.Local], n.ns[a.Name.Local] = a.Value, a.Value
				default:
					n.attrs = append(n.attrs, a)
				}
			}
			if cur == nil {
				if root != nil {
					return nil, fmt.Errorf("parse XML: more than one root element")
				}
				root = n
			} else {
				cur.children = append(cur.children, n)
			}
			cur = n
		case xml.EndElement:
			if cur == nil {
				return nil, fmt.Errorf("parse XML: unbalanced end element")
			}
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.children = append(cur.children, string(t))
			}
		case xml.Directive:
			return nil, fmt.Errorf("parse XML: DTDs are not accepted")
		}
	}
	if root == nil || cur != nil {
		return nil, fmt.Errorf("parse XML: incomplete document")
	}
	return root, nil
}

func (n *xnode) uri() string { return n.ns[n.prefix] }

// child returns the first child element with namespace URI and local name.
func (n *xnode) child(uri, local string) *xnode {
	for _, c := range n.children {
		if e, ok := c.(*xnode); ok && e.local == local && e.uri() == uri {
			return e
		}
	}
	return nil
}

func (n *xnode) attr(local string) string {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n *xnode) text() string {
	var b strings.Builder
	for _, c := range n.children {
		if s, ok := c.(string); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

// excC14N canonicalises the subtree at n, leaving out the element skip (the enveloped signature).
func excC14N(n, skip *xnode) []byte {
	var b bytes.Buffer
	c14nElem(&b, n, skip, map[string]string{})
	return b.Bytes()
}

func c14nElem(b *bytes.Buffer, n, skip *xnode, rendered map[string]string) {
	used := map[string]bool{n.prefix: true}
	for _, a := range n.attrs {
		if a.Name.Space != "" && a.Name.Space != "xml" {
			used[a.Name.Space] = true
		}
	}
	var prefixes []string
	for p := range used {
		uri, inScope := n.ns[p]
		prev, wasRendered := rendered[p]
		if p == "" && !inScope && !wasRendered {
			continue // default namespace never declared: nothing to render
		}
		if !wasRendered && uri == "" && p == "" {
			continue
		}
		if !wasRendered || prev != uri {
			prefixes = append(prefixes, p)
		}
	}
	sort.Strings(prefixes)
	name := n.local
	if n.prefix != "" {
		name = n.prefix + ":" + n.local
	}
	b.WriteString("<" + name)
	next := rendered
	if len(prefixes) > 0 {
		next = make(map[string]string, len(rendered)+len(prefixes))
		for k, v := range rendered {
			next[k] = v
		}
	}
	for _, p := range prefixes {
		if p == "" {
			b.WriteString(` xmlns="` + escAttr(n.ns[p]) + `"`)
		} else {
			b.WriteString(" xmlns:" + p + `="` + escAttr(n.ns[p]) + `"`)
		}
		next[p] = n.ns[p]
	}
	attrs := append([]xml.Attr(nil), n.attrs...)
	sort.SliceStable(attrs, func(i, j int) bool {
		ui, uj := attrURI(n, attrs[i]), attrURI(n, attrs[j])
		if ui != uj {
			return ui < uj
		}
		return attrs[i].Name.Local < attrs[j].Name.Local
	})
	for _, a := range attrs {
		an := a.Name.Local
		if a.Name.Space != "" {
			an = a.Name.Space + ":" + an
		}
		b.WriteString(" " + an + `="` + escAttr(a.Value) + `"`)
	}
	b.WriteString(">")
	for _, c := range n.children {
		switch x := c.(type) {
		case string:
			b.WriteString(escText(x))
		case *xnode:
			if x != skip {
				c14nElem(b, x, skip, next)
			}
		}
	}
	b.WriteString("</" + name + ">")
}

func attrURI(n *xnode, a xml.Attr) string {
	if a.Name.Space == "" {
		return ""
	}
	return n.ns[a.Name.Space]
}

var (
	attrEsc = strings.NewReplacer("&", "&amp;", "<", "&lt;", `"`, "&quot;", "\t", "&#x9;", "\n", "&#xA;", "\r", "&#xD;")
	textEsc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")
)

func escAttr(s string) string { return attrEsc.Replace(s) }
func escText(s string) string { return textEsc.Replace(s) }
