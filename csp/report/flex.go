package report

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// The decoding types below accept any JSON value where a string or number
// is expected, so a forged or buggy report with one odd field (a number as
// a string, null, an object) loses that field, not the whole report.

// flexString decodes a string as is, a number or boolean as its literal
// text, and null, objects and arrays as "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
	case b[0] == '"' && len(b) >= 2 && bytes.IndexByte(b, '\\') < 0:
		// No escapes: the decoder has validated the literal, so its inside
		// is the value. Invalid UTF-8 stays raw here (json.Unmarshal would
		// turn it into U+FFFD) and normalisation escapes it as \xNN.
		*s = flexString(b[1 : len(b)-1])
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return nil // unreachable for valid JSON; keep the field empty
		}
		*s = flexString(v)
	case b[0] == '-' || '0' <= b[0] && b[0] <= '9' || b[0] == 't' || b[0] == 'f':
		*s = flexString(b)
	}
	return nil
}

// flexInt decodes a number or a numeric string, clamped to [0, MaxInt32];
// anything else, including NaN and fractions' signs, decodes as 0.
type flexInt int

// UnmarshalJSON gets the value without the whitespace around it
// (encoding/json cuts it off), so only a string's inside needs trimming.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		if json.Unmarshal(b, &v) != nil {
			return nil
		}
		b = bytes.TrimSpace([]byte(v))
	}
	if len(b) == 0 || len(b) > 64 {
		return nil
	}
	*n = flexInt(clampInt(string(b)))
	return nil
}

func clampInt(s string) int {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return int(max(0, min(i, math.MaxInt32)))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && f == 0 || math.IsNaN(f) {
		// ParseFloat returns ±Inf with a range error: keep those, clamped.
		return 0
	}
	return int(max(0, min(f, math.MaxInt32)))
}

// object decodes into T only when the value is a JSON object; any other
// value leaves ok false instead of failing the enclosing decode.
type object[T any] struct {
	v  T
	ok bool
}

func (o *object[T]) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	if err := json.Unmarshal(b, &o.v); err != nil {
		return nil // leaves ok false: the object was unusable
	}
	o.ok = true
	return nil
}
