package zoom

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// decodeLenient decodes the JSON object data into into. A value of an
// unexpected JSON type inside the object is not an error: encoding/json
// skips that field and goes on, and then every string field of the struct
// that target points to whose value in data is a JSON bool or number gets
// that value's JSON text ("true", "12.5"). Zoom's spec and its real answers
// have differed in exactly this way (a bool where a string enum is
// specified), and one odd field must not cost a whole page. Malformed JSON
// and data that is not an object are errors.
func decodeLenient(data []byte, into, target any) error {
	err := json.Unmarshal(data, into)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) || typeErr.Field == "" {
		return err
	}
	coerceScalars(data, target)
	return nil
}

// coerceScalars sets the empty top-level string fields of the struct that
// target points to from JSON bools and numbers found under their keys in the
// object data.
func coerceScalars(data []byte, target any) {
	v := reflect.ValueOf(target)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return
	}
	v = v.Elem()
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Type.Kind() != reflect.String {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		raw := bytes.TrimSpace(obj[name])
		if len(raw) == 0 || v.Field(i).String() != "" {
			continue
		}
		if c := raw[0]; c == 't' || c == 'f' || c == '-' || ('0' <= c && c <= '9') {
			v.Field(i).SetString(string(raw))
		}
	}
}
