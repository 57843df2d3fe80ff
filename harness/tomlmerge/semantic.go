package tomlmerge

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// mergeMaps is the semantic definition of a merge, used to check the text
// edits: tables merge key by key, the block wins for values and plain arrays,
// arrays of tables written as [[…]] in the block are appended (or replace an
// element with the same identifying key, see replaceByKey).
func mergeMaps(dst, src map[string]any, arrays map[string]bool, path []string) {
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := src[k]
		p := append(append([]string(nil), path...), k)
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		if arrays[pathKey(p)] {
			list, _ := old.([]any)
			for _, el := range v.([]any) {
				list = upsert(list, el, replaceByKey[pathKey(p)])
			}
			dst[k] = list
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			mergeMaps(om, nm, arrays, p)
			continue
		}
		dst[k] = v
	}
}

func upsert(list []any, el any, idKey string) []any {
	if idKey != "" {
		if id, ok := el.(map[string]any)[idKey]; ok {
			for i, cur := range list {
				if m, ok := cur.(map[string]any); ok && reflect.DeepEqual(m[idKey], id) {
					list[i] = el
					return list
				}
			}
		}
	}
	return append(list, el)
}

// firstDiff returns the first path where a and b differ.
func firstDiff(a, b any, path []string) (string, bool) {
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if ok1 && ok2 {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if p, ok := firstDiff(am[k], bm[k], append(append([]string(nil), path...), k)); !ok {
				return p, false
			}
		}
		return "", true
	}
	al, ok1 := a.([]any)
	bl, ok2 := b.([]any)
	if ok1 && ok2 && len(al) == len(bl) {
		for i := range al {
			if p, ok := firstDiff(al[i], bl[i], append(append([]string(nil), path...), strconv.Itoa(i))); !ok {
				return p, false
			}
		}
		return "", true
	}
	if reflect.DeepEqual(a, b) {
		return "", true
	}
	return strings.Join(path, "."), false
}

// renderKey writes a key path, quoting parts that are not bare keys (so
// "header.X-WSO2-KEY-MANAGER" stays one key).
func renderKey(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		bare := p != ""
		for j := 0; j < len(p); j++ {
			if !isBare(p[j]) {
				bare = false
				break
			}
		}
		if bare {
			out[i] = p
		} else {
			out[i] = quoteBasic(p)
		}
	}
	return strings.Join(out, ".")
}

// quoteBasic writes a TOML basic string. strconv.Quote is not used because
// Go escapes such as \x00 or \a are not valid TOML.
func quoteBasic(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(&b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// renderValue writes strings as double-quoted basic strings, the style of
// WSO2's documentation and default files.
func renderValue(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", fmt.Errorf("TOML has no null value")
	case string:
		return quoteBasic(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	case float32:
		return renderFloat(float64(x))
	case float64:
		return renderFloat(x)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return "", fmt.Errorf("integer %d does not fit TOML's 64-bit signed integers", rv.Uint())
		}
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.String:
		return quoteBasic(rv.String()), nil
	case reflect.Slice, reflect.Array:
		parts := make([]string, rv.Len())
		for i := range parts {
			s, err := renderValue(rv.Index(i).Interface())
			if err != nil {
				return "", fmt.Errorf("element %d: %w", i, err)
			}
			parts[i] = s
		}
		return "[" + strings.Join(parts, ", ") + "]", nil
	}
	return "", fmt.Errorf("unsupported value type %T (use string, bool, integer, float or a slice of those)", v)
}

func renderFloat(f float64) (string, error) {
	switch {
	case math.IsNaN(f):
		return "nan", nil
	case math.IsInf(f, 1):
		return "inf", nil
	case math.IsInf(f, -1):
		return "-inf", nil
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0" // "2" would be read back as an integer
	}
	return s, nil
}
