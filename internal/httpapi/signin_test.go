package httpapi

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// loopback is the test server's peer: the proxy in front of it, for the tests that trust one.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// TestSignInBounds: a sign-in body or name larger than any account needs is refused before
// anything is stored or computed, and the log keeps only a prefix of a refused name.
func TestSignInBounds(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{})
	var before int
	if err := e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sign_in_attempts`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	big := `{"name":"` + strings.Repeat("a", 5<<10) + `","password":"x"}`
	if resp, body := e.call(t, "POST", "/api/session", strings.NewReader(big)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("5 KB sign-in: %d %s; want 413", resp.StatusCode, body)
	}
	long := `{"name":"` + strings.Repeat("a", 65) + `","password":"x"}`
	resp, body := e.call(t, "POST", "/api/session", strings.NewReader(long))
	if p := problemOf(t, body); resp.StatusCode != http.StatusBadRequest || p.Field != "name" {
		t.Errorf("65-character name: %d %s; want 400 naming name", resp.StatusCode, body)
	}
	if resp, body := e.call(t, "POST", "/api/session?x=1", strings.NewReader(`{"name":"a","password":"b"}`)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("sign-in with an unknown parameter: %d %s; want 400", resp.StatusCode, body)
	}
	var after int
	if err := e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sign_in_attempts`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("refused sign-ins stored %d attempts; want none", after-before)
	}
	if got := logPrefix(strings.Repeat("é", 100)); len([]rune(got)) != loggedNameRune+1 {
		t.Errorf("logPrefix kept %d characters; want %d and an ellipsis", len([]rune(got)), loggedNameRune)
	}
}

// TestSignInThrottleKeys: X-Forwarded-For counts only from a trusted proxy, and an IPv6
// client counts as its /64; throttled attempts leave no row behind.
func TestSignInThrottleKeys(t *testing.T) {
	t.Parallel()
	e := newEditEnv(t, Config{TrustedProxies: loopback})
	try := func(name, xff string) int {
		resp, _ := e.call(t, "POST", "/api/session", strings.NewReader(`{"name":"`+name+`","password":"guess"}`),
			"X-Forwarded-For", xff)
		return resp.StatusCode
	}
	// Five failures from five addresses of one /64 (five names, so only the address counts).
	for i := range 5 {
		if got := try(fmt.Sprintf("nobody%d", i), fmt.Sprintf("2001:db8:1:2::%x", i+1)); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d; want 401", i+1, got)
		}
	}
	if got := try("someone", "2001:db8:1:2:ffff::9"); got != http.StatusTooManyRequests {
		t.Errorf("sixth attempt from the same /64: %d; want 429", got)
	}
	if got := try("someone", "2001:db8:1:3::1"); got != http.StatusUnauthorized {
		t.Errorf("attempt from the next /64: %d; want 401 (not throttled)", got)
	}
	var rows int
	count := func() int {
		if err := e.st.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sign_in_attempts`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	n := count()
	for range 20 {
		try("someone", "2001:db8:1:2::77")
	}
	if got := count(); got != n {
		t.Errorf("20 throttled attempts stored %d rows; want none", got-n)
	}

	// From a peer that is not a trusted proxy, X-Forwarded-For cannot pick a new key.
	e2 := newEditEnv(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	for i := range 6 {
		resp, _ := e2.call(t, "POST", "/api/session", strings.NewReader(fmt.Sprintf(`{"name":"nobody%d","password":"guess"}`, i)),
			"X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
		if i == 5 && resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("sixth attempt from one peer with spoofed X-Forwarded-For: %d; want 429", resp.StatusCode)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies(" 10.0.0.0/8, ::1 ,192.0.2.7,2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "::1/128", "192.0.2.7/32", "2001:db8::/32"}
	if len(got) != len(want) {
		t.Fatalf("ParseTrustedProxies = %v; want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("ParseTrustedProxies[%d] = %v; want %s", i, got[i], want[i])
		}
	}
	if _, err := ParseTrustedProxies("10.0.0.0/8,proxy.example"); err == nil {
		t.Errorf("ParseTrustedProxies accepted a host name")
	}
}
