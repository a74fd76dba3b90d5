package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
)

// DurationError is a duration value that Duration cannot parse.
type DurationError struct{ msg string }

func (e *DurationError) Error() string { return e.msg }

// explainDecodeError adds to a decoding error of data into v the field it
// concerns and what is allowed there. The json package names neither an
// unknown field's place nor the field of a value that a custom decoder
// rejected.
func explainDecodeError(data []byte, v any, err error) error {
	var durErr *DurationError
	if errors.As(err, &durErr) {
		// Only the timeout field is a Duration.
		return fmt.Errorf("field timeout: %w", err)
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return fmt.Errorf("%w at %s", err, lineColumn(data, syntaxErr.Offset))
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%w at %s", err, lineColumn(data, typeErr.Offset))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the file ends before its JSON value does (a missing } or ], or a cut string)", err)
	}
	if !strings.HasPrefix(err.Error(), "json: unknown field ") {
		return err
	}
	var tree any
	if json.Unmarshal(data, &tree) != nil {
		return err
	}
	where, allowed, ok := findUnknownField(tree, reflect.TypeOf(v), "")
	if !ok {
		return err
	}
	if where == "" {
		where = "the top level"
	}
	return fmt.Errorf("%w in %s: allowed fields are %s", err, where, strings.Join(allowed, ", "))
}

// lineColumn returns the 1-based line and column of byte offset in data.
func lineColumn(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// findUnknownField walks the decoded JSON value tree alongside type t and
// returns the path of the first object that has a key t has no field for,
// and the field names that object allows.
func findUnknownField(tree any, t reflect.Type, path string) (where string, allowed []string, ok bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice:
		items, isList := tree.([]any)
		if !isList {
			return "", nil, false
		}
		for i, item := range items {
			if where, allowed, ok := findUnknownField(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); ok {
				return where, allowed, ok
			}
		}
	case reflect.Struct:
		obj, isObject := tree.(map[string]any)
		if !isObject {
			return "", nil, false
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			// The json package matches keys to fields without regard to case.
			fields[strings.ToLower(name)] = t.Field(i).Type
			names = append(names, name)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, known := fields[strings.ToLower(k)]
			if !known {
				return path, names, true
			}
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if where, allowed, ok := findUnknownField(obj[k], ft, sub); ok {
				return where, allowed, ok
			}
		}
	}
	return "", nil, false
}
