package zoom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers Zoom sends.
const (
	// HeaderSignature carries "v0=" + hex HMAC-SHA256.
	HeaderSignature = "x-zm-signature"
	// HeaderTimestamp carries the Unix time in seconds, as a decimal string.
	HeaderTimestamp = "x-zm-request-timestamp"
)

// MaxTimestampSkew is how far a webhook's timestamp may be from now, either way.
const MaxTimestampSkew = 5 * time.Minute

// ErrUnverified is wrapped by every error of VerifyWebhook: a caller that
// only needs "reject with 401" checks errors.Is(err, ErrUnverified).
var ErrUnverified = errors.New("zoom: webhook not verified")

// Distinct reasons a webhook fails verification. Each matches ErrUnverified
// under errors.Is.
var (
	// ErrNoSecret means no webhook secret token is configured, so nothing
	// can be verified (fail closed).
	ErrNoSecret error = &unverifiedError{"zoom: no webhook secret token configured"}
	// ErrMissingSignature means the signature or timestamp header is absent.
	ErrMissingSignature error = &unverifiedError{"zoom: webhook signature or timestamp header missing"}
	// ErrBadSignature means the signature is malformed or does not match
	// the body and timestamp.
	ErrBadSignature error = &unverifiedError{"zoom: webhook signature does not match"}
	// ErrStaleTimestamp means the signature matches but the timestamp is
	// malformed or more than MaxTimestampSkew away from now (a replay).
	ErrStaleTimestamp error = &unverifiedError{"zoom: webhook timestamp outside the allowed window"}
)

// unverifiedError is a reason for rejecting a webhook; it wraps ErrUnverified.
type unverifiedError struct{ msg string }

// Error returns the reason.
func (e *unverifiedError) Error() string { return e.msg }

// Unwrap returns ErrUnverified.
func (e *unverifiedError) Unwrap() error { return ErrUnverified }

// Sign returns the x-zm-signature value for body sent at timestamp (Unix
// seconds as a decimal string): "v0=" + lowercase hex of HMAC-SHA256 keyed
// with secret over "v0:" + timestamp + ":" + body.
func Sign(secret string, timestamp string, body []byte) string {
	return "v0=" + hex.EncodeToString(mac(secret, timestamp, body))
}

func mac(secret, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:"))
	m.Write([]byte(timestamp))
	m.Write([]byte(":"))
	m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhook checks that body, as read from the request (the raw bytes,
// never re-marshalled), was signed by Zoom with secret, and that the signed
// timestamp is within MaxTimestampSkew of now. The signature is checked
// first (in constant time), so ErrStaleTimestamp only ever describes an
// authentic but old or future request. It returns nil, or an error wrapping
// exactly one of ErrNoSecret, ErrMissingSignature, ErrBadSignature or
// ErrStaleTimestamp, all of which wrap ErrUnverified.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time) error {
	if secret == "" {
		return ErrNoSecret
	}
	sig := headerValue(header, HeaderSignature)
	ts := headerValue(header, HeaderTimestamp)
	if sig == "" || ts == "" {
		return ErrMissingSignature
	}
	hexSig, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return fmt.Errorf("%w: no v0= prefix", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not 64 hex digits", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(secret, ts, body)) {
		return ErrBadSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrStaleTimestamp, shorten(ts))
	}
	skew := now.Sub(time.Unix(sec, 0))
	if skew > MaxTimestampSkew || skew < -MaxTimestampSkew { // Sub saturates: no overflow
		return fmt.Errorf("%w: timestamp %d is %s from now", ErrStaleTimestamp, sec, skew.Round(time.Second))
	}
	return nil
}

// headerValue reads a header by canonical name, falling back to a
// case-insensitive scan for maps built by hand with lower-case keys.
func headerValue(h http.Header, name string) string {
	if v := strings.TrimSpace(h.Get(name)); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}

// URLValidation is the JSON answer to an endpoint.url_validation event.
type URLValidation struct {
	// PlainToken echoes payload.plainToken.
	PlainToken string `json:"plainToken"`
	// EncryptedToken is hex HMAC-SHA256 of PlainToken keyed with the secret.
	EncryptedToken string `json:"encryptedToken"`
}

// AnswerURLValidation computes the answer to Zoom's endpoint.url_validation
// challenge. Verify the request's signature first; answer with HTTP 200 and
// this value as JSON, within 3 seconds.
func AnswerURLValidation(secret, plainToken string) URLValidation {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(plainToken))
	return URLValidation{PlainToken: plainToken, EncryptedToken: hex.EncodeToString(m.Sum(nil))}
}
