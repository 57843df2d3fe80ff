package tomlmerge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The scanner records where each table header and key/value statement sits in
// the source text, so the merge can edit only the lines that change and keep
// every comment and the author's layout. It assumes its input already parsed
// as valid TOML (Merge checks that first with go-toml) and therefore only has
// to find statement boundaries, not validate.

type entry struct {
	start, end           int      // whole lines, end just after the newline
	valueStart, valueEnd int      // the value text, without trailing comment
	key                  []string // relative to the section's table
	full                 []string // absolute path
	keyText              string   // key exactly as written
	comment              string   // trailing "# …", if any
}

type section struct {
	path                   []string
	array, root            bool
	start                  int // includes the comment lines directly above the header
	headerStart, headerEnd int
	end                    int // start of the next section
	entries                []*entry
}

// contentEnd is where a new key belongs: after the last key/value line, so
// commented-out examples that follow stay below it.
func (s *section) contentEnd() int {
	if len(s.entries) > 0 {
		return s.entries[len(s.entries)-1].end
	}
	if s.root {
		return s.end
	}
	return s.headerEnd
}

type document struct {
	src      string
	sections []*section // sections[0] is the root (keys before any header)
}

func scan(src string) (*document, error) {
	d := &document{src: src}
	cur := &section{root: true}
	d.sections = append(d.sections, cur)
	commentRun := -1 // start of the comment lines directly above the current line
	i := 0
	for i < len(src) {
		lineStart := i
		i = skipWS(src, i)
		if i >= len(src) {
			break
		}
		switch c := src[i]; {
		case c == '\n':
			commentRun = -1
			i++
		case c == '#':
			if commentRun < 0 {
				commentRun = lineStart
			}
			i = lineEnd(src, i)
		case c == '[':
			array := strings.HasPrefix(src[i:], "[[")
			j := i + 1
			if array {
				j++
			}
			path, j, err := parseKey(src, j)
			if err != nil {
				return nil, fmt.Errorf("line %d: table header: %w", lineNo(src, lineStart), err)
			}
			j = skipWS(src, j)
			closing := "]"
			if array {
				closing = "]]"
			}
			if !strings.HasPrefix(src[j:], closing) {
				return nil, fmt.Errorf("line %d: table header: missing %q", lineNo(src, lineStart), closing)
			}
			end, err := finishLine(src, j+len(closing))
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo(src, lineStart), err)
			}
			start := lineStart
			if commentRun >= 0 {
				start = commentRun
			}
			cur.end = start
			cur = &section{path: path, array: array, start: start, headerStart: lineStart, headerEnd: end}
			d.sections = append(d.sections, cur)
			commentRun = -1
			i = end
		default:
			key, j, err := parseKey(src, i)
			if err != nil {
				return nil, fmt.Errorf("line %d: key: %w", lineNo(src, lineStart), err)
			}
			keyText := strings.TrimRight(src[i:j], " \t")
			j = skipWS(src, j)
			if j >= len(src) || src[j] != '=' {
				return nil, fmt.Errorf("line %d: expected '=' after key %q", lineNo(src, lineStart), keyText)
			}
			vs := skipWS(src, j+1)
			ve, err := scanValue(src, vs)
			if err != nil {
				return nil, fmt.Errorf("line %d: value of %q: %w", lineNo(src, lineStart), keyText, err)
			}
			k := skipWS(src, ve)
			comment := ""
			if k < len(src) && src[k] == '#' {
				e := lineEnd(src, k)
				comment = strings.TrimRight(src[k:e], "\r\n")
			}
			end, err := finishLine(src, k)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", lineNo(src, lineStart), err)
			}
			full := append(append([]string(nil), cur.path...), key...)
			cur.entries = append(cur.entries, &entry{start: lineStart, end: end, valueStart: vs, valueEnd: ve,
				key: key, full: full, keyText: keyText, comment: comment})
			commentRun = -1
			i = end
		}
	}
	cur.end = len(src)
	return d, nil
}

func skipWS(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

// lineEnd returns the index just after the newline ending the line at i.
func lineEnd(s string, i int) int {
	if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
		return i + n + 1
	}
	return len(s)
}

// finishLine accepts optional whitespace and a comment up to the end of the line.
func finishLine(s string, i int) (int, error) {
	i = skipWS(s, i)
	if i >= len(s) {
		return len(s), nil
	}
	if s[i] == '#' || s[i] == '\n' {
		return lineEnd(s, i), nil
	}
	return 0, fmt.Errorf("unexpected %q after statement", s[i:min(len(s), i+10)])
}

func lineNo(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

// parseKey reads a dotted key (bare, "basic" or 'literal' parts) starting at i.
func parseKey(s string, i int) ([]string, int, error) {
	var parts []string
	for {
		i = skipWS(s, i)
		if i >= len(s) {
			return nil, i, errors.New("unexpected end of input in key")
		}
		switch s[i] {
		case '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) || s[j] != '"' {
				return nil, i, errors.New("unterminated quoted key")
			}
			v, err := unescapeBasic(s[i+1 : j])
			if err != nil {
				return nil, i, err
			}
			parts = append(parts, v)
			i = j + 1
		case '\'':
			j := strings.IndexAny(s[i+1:], "'\n")
			if j < 0 || s[i+1+j] != '\'' {
				return nil, i, errors.New("unterminated quoted key")
			}
			parts = append(parts, s[i+1:i+1+j])
			i = i + 2 + j
		default:
			j := i
			for j < len(s) && isBare(s[j]) {
				j++
			}
			if j == i {
				return nil, i, fmt.Errorf("invalid key character %q", s[i])
			}
			parts = append(parts, s[i:j])
			i = j
		}
		k := skipWS(s, i)
		if k < len(s) && s[k] == '.' {
			i = k + 1
			continue
		}
		return parts, i, nil
	}
}

func isBare(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

func unescapeBasic(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New("dangling escape")
		}
		switch s[i] {
		case 'b':
			b.WriteByte('\b')
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'f':
			b.WriteByte('\f')
		case 'r':
			b.WriteByte('\r')
		case '"', '\\':
			b.WriteByte(s[i])
		case 'u', 'U':
			n := 4
			if s[i] == 'U' {
				n = 8
			}
			if i+1+n > len(s) {
				return "", errors.New("short unicode escape")
			}
			r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(r)) {
				return "", fmt.Errorf("invalid unicode escape %q", s[i-1:i+1+n])
			}
			b.WriteRune(rune(r))
			i += n
		default:
			return "", fmt.Errorf("invalid escape \\%c", s[i])
		}
	}
	return b.String(), nil
}

// scanValue returns the end of the value starting at i: the first newline or
// comment outside strings and brackets, with trailing blanks trimmed.
func scanValue(s string, i int) (int, error) {
	depth := 0
	trim := func(j int) int {
		for j > i && (s[j-1] == ' ' || s[j-1] == '\t' || s[j-1] == '\r') {
			j--
		}
		return j
	}
	for i < len(s) {
		switch c := s[i]; {
		case strings.HasPrefix(s[i:], `"""`) || strings.HasPrefix(s[i:], `'''`):
			q := s[i : i+3]
			j := i + 3
			for {
				if j >= len(s) {
					return 0, errors.New("unterminated multi-line string")
				}
				if q == `"""` && s[j] == '\\' {
					j += 2
					continue
				}
				if strings.HasPrefix(s[j:], q) {
					j += 3
					// Up to two quote characters may directly precede the delimiter.
					for n := 0; n < 2 && j < len(s) && s[j] == q[0]; n++ {
						j++
					}
					break
				}
				j++
			}
			i = j
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c && s[j] != '\n' {
				if c == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) || s[j] != c {
				return 0, errors.New("unterminated string")
			}
			i = j + 1
		case c == '[' || c == '{':
			depth++
			i++
		case c == ']' || c == '}':
			depth--
			if depth < 0 {
				return 0, fmt.Errorf("unbalanced %q", c)
			}
			i++
		case c == '#':
			if depth == 0 {
				return trim(i), nil
			}
			i = lineEnd(s, i)
		case c == '\n':
			if depth == 0 {
				return trim(i), nil
			}
			i++
		default:
			i++
		}
	}
	if depth != 0 {
		return 0, errors.New("unterminated array or inline table")
	}
	return trim(i), nil
}
