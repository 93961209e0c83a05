package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// Lines renders text lines separated by <br> elements, each line escaped,
// with no white space added between them.
func Lines(lines []string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, l := range lines {
			if i > 0 {
				if _, err := io.WriteString(w, "<br>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, templ.EscapeString(l)); err != nil {
				return err
			}
		}
		return nil
	})
}
