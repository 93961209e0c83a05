package models

import (
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// cleanText makes s storable in PostgreSQL's text type, which refuses NUL
// characters and invalid UTF-8 that Zoom's strings (and a hostile webhook's)
// can carry: NULs are dropped, invalid bytes become U+FFFD.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// registerTextCleaning cleans every string a create or update writes, so
// that no stored event or segment is refused for one odd character (which
// would turn into a 503 and, after Zoom's retries, a lost event).
func registerTextCleaning(db *gorm.DB) error {
	clean := func(tx *gorm.DB) {
		if tx.Statement == nil {
			return
		}
		if m, ok := tx.Statement.Dest.(map[string]any); ok {
			for k, v := range m {
				if s, ok := v.(string); ok {
					m[k] = cleanText(s)
				}
			}
		}
		cleanValue(tx.Statement.ReflectValue)
	}
	if err := db.Callback().Create().Before("gorm:create").Register("rollcall:clean_text", clean); err != nil {
		return err
	}
	return db.Callback().Update().Before("gorm:update").Register("rollcall:clean_text", clean)
}

var timeType = reflect.TypeFor[time.Time]()

func cleanValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			cleanValue(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			cleanValue(v.Index(i))
		}
	case reflect.Struct:
		if v.Type() == timeType {
			return
		}
		for i := range v.NumField() {
			f := v.Field(i)
			switch {
			case !f.CanSet():
			case f.Kind() == reflect.String:
				if s := f.String(); cleanText(s) != s {
					f.SetString(cleanText(s))
				}
			default:
				cleanValue(f)
			}
		}
	}
}
