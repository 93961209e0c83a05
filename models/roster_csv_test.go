package models

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// entryLines shows entries compactly: "line|email|name|external_id|group".
func entryLines(es []RosterEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%d|%s|%s|%s|%s", e.Line, e.Email, e.Name, e.ExternalID, e.Group)
	}
	return out
}

func TestParseRosterCorpus(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		entries  []string
		refusals []string
		ignored  []string
	}{
		{
			name:    "comma, BOM, any column order, case of the header",
			file:    "\ufeffName,EMAIL,group,external_id\r\nAnn Lee,Ann@Example.com,A,S-1\r\nBob,bob@example.com,,\r\n",
			entries: []string{"2|ann@example.com|Ann Lee|S-1|A", "3|bob@example.com|Bob||"},
		},
		{
			name:    "semicolons, and a comma inside a value",
			file:    "email;name;group\nann@example.com;Lee, Ann;A\n",
			entries: []string{"2|ann@example.com|Lee, Ann||A"},
		},
		{
			name:    "quoted commas",
			file:    "email,name\n\"ann@example.com\",\"Lee, Ann\"\nbob@example.com,\"Stone, \"\"Bob\"\"\"\n",
			entries: []string{"2|ann@example.com|Lee, Ann||", "3|bob@example.com|Stone, \"Bob\"||"},
		},
		{
			name:     "duplicates by email (any case), and by name when there is no email",
			file:     "email,name\nann@example.com,Ann\nANN@example.com,Ann again\n,Cy  Young\n,cy young\n,Cy Old\n",
			entries:  []string{"2|ann@example.com|Ann||", "4||Cy Young||", "6||Cy Old||"},
			refusals: []string{"line 3: the same email as line 2", "line 5: the same name as line 4, and no email to tell them apart"},
		},
		{
			name:    "blank lines are skipped, wherever they are",
			file:    "\n\nemail\n\nann@example.com\n ,  \n\nbob@example.com\n",
			entries: []string{"5|ann@example.com|||", "8|bob@example.com|||"},
		},
		{
			name:    "a formula in a name is kept as text (the download defuses it)",
			file:    "email,name\nann@example.com,=HYPERLINK(\"http://x\")\n",
			entries: []string{"2|ann@example.com|=HYPERLINK(\"http://x\")||"},
		},
		{
			name: "invalid emails",
			file: "email,name\nnot-an-email,A\nann@example.com,Ann\nAnn <ann2@example.com>,B\nx@y@z,C\n" +
				"a b@example.com,D\n" + strings.Repeat("a", 250) + "@example.com,E\n",
			entries: []string{"3|ann@example.com|Ann||"},
			refusals: []string{`line 2: invalid email "not-an-email"`, `line 4: invalid email "Ann <ann2@example.com>"`,
				`line 5: invalid email "x@y@z"`, `line 6: invalid email "a b@example.com"`, "line 7: email longer than 254 bytes"},
		},
		{
			name:     "no email and no name; a value too long; not UTF-8; unknown columns",
			file:     "email,name,external_id,phone\n,,S-9,555\n,Ann,S-1,1\n," + strings.Repeat("n", 201) + ",,\n,B\xff,,\n",
			entries:  []string{"3||Ann|S-1|"},
			refusals: []string{"line 2: no email and no name", "line 4: a value longer than 200 bytes", "line 5: not UTF-8 text"},
			ignored:  []string{"phone"},
		},
		{
			name:    "a bare quote is part of the value",
			file:    "name\nA \"B\nCy\n",
			entries: []string{"2||A \"B||", "3||Cy||"},
		},
		{
			name:    "a name column alone; short and long rows",
			file:    "name,group\nAnn\nBob,G,extra\n",
			entries: []string{"2||Ann||", "3||Bob||G"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRoster([]byte(tc.file))
			require.NoError(t, err)
			assert.Equal(t, tc.entries, entryLines(got.Entries))
			assert.Equal(t, tc.refusals, got.Refusals)
			assert.Equal(t, tc.ignored, got.Ignored)
		})
	}
}

func TestParseRosterRefusesAWholeFile(t *testing.T) {
	for _, tc := range []struct{ name, file, problem string }{
		{"empty", "", "the file is empty"},
		{"blank", "\n \n", "the file is empty"},
		{"no usable header", "phone,city\n1,2\n", "the header needs an email or name column"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRoster([]byte(tc.file))
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tc.problem, ve.Problem)
		})
	}
	t.Run("10,000 entries are taken, 10,001 refused", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("email\n")
		for i := range MaxRosterEntries {
			fmt.Fprintf(&b, "p%d@example.com\n", i)
		}
		got, err := ParseRoster([]byte(b.String()))
		require.NoError(t, err)
		assert.Len(t, got.Entries, MaxRosterEntries)

		b.WriteString("one.more@example.com\n")
		_, err = ParseRoster([]byte(b.String()))
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, "more than 10000 entries (line 10002 is one too many); the roster was not changed", ve.Problem)
	})
	t.Run("refusals are reported up to 200 lines, then counted", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("email\n")
		for range 250 {
			b.WriteString("bad\n")
		}
		got, err := ParseRoster([]byte(b.String()))
		require.NoError(t, err)
		require.Len(t, got.Refusals, 201)
		assert.Equal(t, `line 201: invalid email "bad"`, got.Refusals[199])
		assert.Equal(t, "and 50 more lines refused", got.Refusals[200])
	})
}
