package models

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestPersonKey(t *testing.T) {
	tests := []struct {
		name                                        string
		registrant, participantUser, id, email, who string
		want                                        string
	}{
		{name: "registrant wins over everything", registrant: "R1", participantUser: "U1", id: "I1", email: "a@b.c", who: "Ann", want: "r:R1"},
		{name: "participant_user_id before id", participantUser: "U1", id: "I1", email: "a@b.c", who: "Ann", want: "u:U1"},
		{name: "id when participant_user_id is empty", id: "I1", email: "a@b.c", who: "Ann", want: "u:I1"},
		{name: "email lower-cased and trimmed", email: "  Ann.Lee@Example.COM ", who: "Ann", want: "e:ann.lee@example.com"},
		{name: "email lower-cased in Unicode", email: "ÉLODIE@Example.fr", want: "e:élodie@example.fr"},
		{name: "name normalized", who: "  Ann \t  LEE ", want: "n:ann lee"},
		{name: "blank identifiers count as empty", registrant: " ", participantUser: "\t", id: " ", email: " ", who: "Ann", want: "n:ann"},
		{name: "identifier trimmed", registrant: " R1 ", want: "r:R1"},
		{name: "identifier case kept", participantUser: "AbC", want: "u:AbC"},
		{name: "entirely empty is anonymous", want: "a:"},
		{name: "blank name is anonymous", who: " \u00a0\t", want: "a:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, PersonKey(tc.registrant, tc.participantUser, tc.id, tc.email, tc.who))
		})
	}
}

func TestPersonKeyKindsNeverCollide(t *testing.T) {
	v := "x@y.z"
	keys := map[string]bool{
		PersonKey(v, "", "", "", ""): true,
		PersonKey("", v, "", "", ""): true,
		PersonKey("", "", "", v, ""): true,
		PersonKey("", "", "", "", v): true,
	}
	assert.Len(t, keys, 4)
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"only white space", " \t\n\u00a0\u2003 ", ""},
		{"ascii lower-cased", "Ann LEE", "ann lee"},
		{"trimmed and collapsed", "  Ann \t\n LEE  ", "ann lee"},
		{"unicode spaces collapse", "Ann\u00a0\u2003Lee", "ann lee"},
		{"already normal is unchanged", "ann lee", "ann lee"},
		{"NFC form", "Jos\u00e9", "jos\u00e9"},
		{"NFD form becomes NFC", "Jose\u0301", "jos\u00e9"},
		{"upper NFD", "JOSE\u0301", "jos\u00e9"},
		{"unicode upper case", "ÅSA ÖBERG", "åsa öberg"},
		{"final sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευς"},
		{"invalid UTF-8 replaced", "Ann\xffLee", "ann\ufffdlee"},
		{"CJK kept", "  山田 太郎 ", "山田 太郎"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, NormalizeName(tc.in))
		})
	}
}

func TestNormalizeNameMergesEquivalentForms(t *testing.T) {
	forms := []string{"José García", "Jose\u0301 Garci\u0301a", " JOSÉ   GARCÍA ", "josé\tgarcía", "JOSE\u0301\u00a0GARCI\u0301A"}
	want := NormalizeName(forms[0])
	for _, f := range forms {
		assert.Equal(t, want, NormalizeName(f), "%q", f)
		assert.Equal(t, "n:"+want, PersonKey("", "", "", "", f), "%q", f)
	}
}

func TestSegmentKey(t *testing.T) {
	join := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		seg  Segment
		want string
	}{
		{name: "registrant", seg: Segment{RegistrantID: "R", ParticipantUserID: "U", Email: "e@x", Name: "N"}, want: "r:R"},
		{name: "participant user id", seg: Segment{ParticipantUserID: "U", ParticipantID: "I"}, want: "u:U"},
		{name: "deprecated id", seg: Segment{ParticipantID: "I", Email: "E@X"}, want: "u:I"},
		{name: "email", seg: Segment{Email: "E@X", Name: "N"}, want: "e:e@x"},
		{name: "name", seg: Segment{Name: " N  M "}, want: "n:n m"},
		{name: "user_id is not an identity", seg: Segment{UserID: "16778240", Name: "Ann"}, want: "n:ann"},
		{name: "anonymous by participant uuid", seg: Segment{ParticipantUUID: "67C1", UserID: "1677", JoinTime: join}, want: "a:uuid:67C1"},
		{name: "anonymous by user_id", seg: Segment{UserID: "1677", JoinTime: join}, want: "a:uid:1677"},
		{name: "anonymous by join time", seg: Segment{JoinTime: join.Add(1500 * time.Millisecond)}, want: "a:join:2025-03-04T09:00:01.5Z"},
		{name: "anonymous join time in UTC", seg: Segment{JoinTime: join.In(time.FixedZone("X", 3600))}, want: "a:join:2025-03-04T09:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.seg.Key())
		})
	}
}
