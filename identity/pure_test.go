package identity

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/time/rate"
)

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashPassword(t *testing.T) {
	for _, pw := range []string{"correct horse battery", "密码是一句很长的中文句子", "x", strings.Repeat("long", 100)} {
		h, err := HashPassword(pw)
		must(t, err)
		if !phcRE.MatchString(h) {
			t.Errorf("HashPassword(%q) = %q, not an argon2id PHC string with m=19456,t=2,p=1", pw, h)
		}
		if !CheckPassword(h, pw) {
			t.Errorf("CheckPassword rejects the password %q that made the hash", pw)
		}
		for _, wrong := range []string{pw + " ", strings.ToUpper(pw), pw[:len(pw)-1], ""} {
			if wrong != pw && CheckPassword(h, wrong) {
				t.Errorf("CheckPassword accepts %q for a hash of %q", wrong, pw)
			}
		}
		h2, err := HashPassword(pw)
		must(t, err)
		if h2 == h {
			t.Errorf("two hashes of %q are equal: the salt is not random", pw)
		}
	}
	// bcrypt would ignore everything after 72 bytes; argon2id does not.
	long := strings.Repeat("a", 72)
	h, err := HashPassword(long + "1")
	must(t, err)
	if CheckPassword(h, long+"2") {
		t.Error("passwords differing after byte 72 match")
	}
	if _, err := HashPassword(""); !errors.Is(err, ErrInvalid) {
		t.Errorf("HashPassword(\"\") = %v, want ErrInvalid", err)
	}
}

func TestCheckPasswordRefusesMalformedHashes(t *testing.T) {
	const pw = "correct horse battery"
	h, err := HashPassword(pw)
	must(t, err)
	parts := strings.Split(h, "$") // "", argon2id, v=19, params, salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	flip := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	for name, bad := range map[string]string{
		"empty":              "",
		"plain text":         pw,
		"bcrypt":             "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
		"argon2i":            join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"version 16":         join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"other salt":         join("", "argon2id", parts[2], parts[3], flip(parts[4]), parts[5]),
		"other key":          join("", "argon2id", parts[2], parts[3], parts[4], flip(parts[5])),
		"other time":         join("", "argon2id", parts[2], "m=19456,t=3,p=1", parts[4], parts[5]),
		"huge memory":        join("", "argon2id", parts[2], "m=4194304,t=2,p=1", parts[4], parts[5]),
		"huge time":          join("", "argon2id", parts[2], "m=19456,t=1000,p=1", parts[4], parts[5]),
		"zero time":          join("", "argon2id", parts[2], "m=19456,t=0,p=1", parts[4], parts[5]),
		"junk after params":  join("", "argon2id", parts[2], "m=19456,t=2,p=1,x=1", parts[4], parts[5]),
		"padded base64":      join("", "argon2id", parts[2], parts[3], parts[4]+"==", parts[5]),
		"short key":          join("", "argon2id", parts[2], parts[3], parts[4], parts[5][:8]),
		"missing field":      join("", "argon2id", parts[2], parts[3], parts[5]),
		"extra field":        h + "$x",
		"leading junk":       "x" + h,
		"trailing newline":   h + "\n",
		"the dummy hash":     dummyHash,
		"key is the dummy's": join("", "argon2id", parts[2], parts[3], parts[4], strings.Repeat("A", 43)),
	} {
		if CheckPassword(bad, pw) {
			t.Errorf("%s: CheckPassword(%q) accepts the password", name, bad)
		}
	}
	// Other valid parameters still verify: they travel in the string.
	salt := []byte("0123456789abcdef")
	weak := phc(8*1024, 1, 2, salt, argon2Key(pw, salt, 1, 8*1024, 2))
	if !CheckPassword(weak, pw) {
		t.Errorf("a hash with other parameters (%s) does not verify", weak)
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want PasswordRule // "" for accepted
	}{
		{"correct horse battery", ""},
		{"abcdefghijkm", ""},
		{"1234567890ab", ""},
		{"数据开放平台的口令很长", PasswordTooShort}, // 11 characters
		{"数据开放平台的口令够长了", ""},
		{"pass word with spaces", ""},
		{"zhang.wei's own phrase", ""},
		{"  two spaces around  ", ""},
		{"", PasswordTooShort},
		{"short", PasswordTooShort},
		{"密码太短了", PasswordTooShort}, // 15 bytes, 5 characters
		{"abcdefghijk", PasswordTooShort},
		// Issue 15, item 5: accepted before.
		{"aaaaaaaaaa", PasswordTooShort},
		{"password12", PasswordTooShort},
		{"          ", PasswordTooShort},
		{DemoPassword, PasswordDemo},
		// Long enough, and still weak.
		{"aaaaaaaaaaaa", PasswordRepetitive},
		{strings.Repeat(" ", 12), PasswordSpacesOnly},
		{" \u3000 \u3000 \u3000 \u3000 \u3000 \u3000", PasswordSpacesOnly},
		{"abcabcabcabc", PasswordRepetitive},
		{"correcthorsecorrecthorse", PasswordRepetitive},
		{"abcdefghijkl", PasswordSequence},
		{"ZYXWVUTSRQPO", PasswordSequence},
		{"123456789012", PasswordDigitsOnly},
		{"98765432109876543210", PasswordDigitsOnly},
		{"password1234", PasswordCommon},
		{"Password2024!", PasswordCommon},
		{"PASSWORD123456", PasswordCommon},
		{"qwertyuiop123", PasswordCommon},
		{"!!iloveyou!!2024", PasswordCommon},
		{"1qaz2wsx3edc", PasswordCommon},
		{"DataGate-Demo", PasswordDemo},
		{"datagate-demo-2025", PasswordDemo},
		{"DATAGATE2026!!", PasswordDemo},
		{strings.Repeat("x", MaxPasswordLen) + "y", PasswordTooLong},
		{"with a\ttab in it", PasswordControl},
		{"line\nbreak here", PasswordControl},
		{"bad utf8 \xff\xfe here", PasswordNotUTF8},
	} {
		err := CheckPasswordPolicy("li.wei", tc.pw)
		var pe *PasswordError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckPasswordPolicy(%q) = %v, want nil", tc.pw, err)
		case tc.want != "" && (!errors.Is(err, ErrInvalid) || !errors.As(err, &pe) || pe.Rule != tc.want):
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ErrInvalid for rule %s", tc.pw, err, tc.want)
		case err != nil && len(tc.pw) > 0 && strings.Contains(err.Error(), tc.pw):
			t.Errorf("CheckPasswordPolicy(%q) = %v: the error repeats the password", tc.pw, err)
		}
	}
	if err := CheckPasswordPolicy("li.wei", "short"); !strings.Contains(err.Error(), "5 characters long; use at least 12") {
		t.Errorf("too short: %q does not say the length and the minimum", err)
	}

	// The username, or built on it.
	for _, tc := range []struct {
		user, pw string
		refused  bool
	}{
		{"zhang.wei", "zhang.wei", true}, // too short anyway
		{"zhang.wei", "ZHANG.WEI-2026!", true},
		{"zhang.wei", "my name is zhang.wei", true},
		{"operator", "operator-1234", true},
		{"li", "li1234567890", true},          // a short name: the whole password, digits aside
		{"li", "clinical trials 2026", false}, // a short name inside another word
		{"operator", "co-operation counts", false},
	} {
		err := CheckPasswordPolicy(tc.user, tc.pw)
		var pe *PasswordError
		if refused := errors.As(err, &pe) && (pe.Rule == PasswordUsername || pe.Rule == PasswordTooShort); refused != tc.refused {
			t.Errorf("CheckPasswordPolicy(%q, %q) = %v, want refused=%v for the username", tc.user, tc.pw, err, tc.refused)
		}
	}
}

// The common-password list comes from the pinned data package, whole.
func TestCommonPasswordList(t *testing.T) {
	if n := len(commonPasswords()); n < 29000 {
		t.Errorf("%d common passwords loaded, want about 30,000", n)
	}
	for _, p := range []string{"123456", "password", "qwertyuiop", "iloveyou", "trustno1", "1qaz2wsx3edc"} {
		if !isCommonPassword(p) {
			t.Errorf("%q is not on the common list", p)
		}
	}
	if isCommonPassword("") || isCommonPassword("correct horse battery") {
		t.Error("the list holds what it should not")
	}
}

func TestNewSecret(t *testing.T) {
	seen := map[string]bool{}
	for _, prefix := range []string{"", TokenPrefix} {
		for i := 0; i < 100; i++ {
			plain, hash := NewSecret(prefix)
			if !strings.HasPrefix(plain, prefix) || len(plain) != len(prefix)+43 || !wellFormed(plain, prefix) {
				t.Fatalf("NewSecret(%q) = %q", prefix, plain)
			}
			sum := sha256.Sum256([]byte(plain))
			if hash != hex.EncodeToString(sum[:]) || hash != HashSecret(plain) || len(hash) != 64 {
				t.Fatalf("NewSecret(%q) hash %q is not the hex SHA-256 of %q", prefix, hash, plain)
			}
			if seen[plain] {
				t.Fatalf("NewSecret repeated %q", plain)
			}
			seen[plain] = true
		}
	}
	for _, s := range []string{"", "dg_", "dg_" + strings.Repeat("a", 42), "dg_" + strings.Repeat("a", 44),
		"dg_" + strings.Repeat("a", 42) + "=", "dg_" + strings.Repeat("a", 42) + "+", "xx_" + strings.Repeat("a", 43)} {
		if wellFormed(s, TokenPrefix) {
			t.Errorf("wellFormed(%q, dg_) = true", s)
		}
	}
}

func TestCheckCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		want string // "" for valid; else a part of the error
	}{
		{"9144030071526726XG", ""}, // published code of a well-known company (store/seeddata tests)
		{"914403001922038216", ""}, // published code of a well-known company (store/seeddata tests)
		{"91440300708461136T", ""}, // published code of Tencent (深圳市腾讯计算机系统有限公司)
		{"91440106MA5D7K2R4F", ""}, // demo applicant of the seed catalog
		{"91440106MA5D7K2R4G", `is 'G', but the first 17 characters give 'F'`},
		{"9144030071526726X0", `is '0', but the first 17 characters give 'G'`},
		{"914403001922038217", `is '7', but the first 17 characters give '6'`},
		{"91440106MA5D7K2R4", "has 17 characters; a unified social credit code has 18"},
		{"91440106MA5D7K2R4FF", "has 19 characters"},
		{"", "has 0 characters"},
		{"91440106MA5D7K2RIF", `character 'I' at position 17 is not allowed`},
		{"91440106MO5D7K2R4F", `character 'O' at position 10 is not allowed`},
		{"91440106ma5d7k2r4f", `character 'm' at position 9 is not allowed; letters must be capitals`},
		{"9144030071526726XS", `character 'S' at position 18`},
		{"91440106MA5D7K2R4中", `character '中' at position 18`},
		{" 91440106MA5D7K2R4", `character ' ' at position 1`},
	} {
		err := CheckCreditCode(tc.code)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckCreditCode(%q) = %v, want nil", tc.code, err)
		case tc.want != "" && (err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckCreditCode(%q) = %v, want ErrInvalid saying %q", tc.code, err, tc.want)
		}
	}
	// Every single-character change of a valid code is caught (the check
	// character detects all single substitutions).
	const valid = "91440300708461136T"
	for i := 0; i < len(valid); i++ {
		for _, r := range creditCodeAlphabet {
			if byte(r) == valid[i] {
				continue
			}
			mutated := valid[:i] + string(r) + valid[i+1:]
			if CheckCreditCode(mutated) == nil {
				t.Errorf("CheckCreditCode(%q) = nil for a one-character change of %s", mutated, valid)
			}
		}
	}
}

func TestRateLimiter(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := NewRateLimiter(rate.Every(10*time.Second), 3, time.Minute)

	// A burst of 3, then refused.
	for i := 0; i < 3; i++ {
		if !l.AllowAt("1.2.3.4", t0) {
			t.Fatalf("event %d of the burst refused", i+1)
		}
	}
	if l.AllowAt("1.2.3.4", t0) || l.AllowAt("1.2.3.4", t0.Add(9*time.Second)) {
		t.Fatal("an event beyond the burst was allowed before a token came back")
	}
	// Another key has its own bucket.
	if !l.AllowAt("5.6.7.8", t0) {
		t.Fatal("another key was refused")
	}
	// One token back every 10 s.
	if !l.AllowAt("1.2.3.4", t0.Add(10*time.Second)) {
		t.Fatal("no token back after 10 s")
	}
	if l.AllowAt("1.2.3.4", t0.Add(10*time.Second)) {
		t.Fatal("two tokens back after 10 s")
	}
	// Full again after 30 s more.
	later := t0.Add(40 * time.Second)
	for i := 0; i < 3; i++ {
		if !l.AllowAt("1.2.3.4", later) {
			t.Fatalf("after the refill, event %d refused", i+1)
		}
	}
	if l.AllowAt("1.2.3.4", later) {
		t.Fatal("the refill went beyond the burst")
	}

	// Idle keys are forgotten.
	if n := l.Len(); n != 2 {
		t.Fatalf("Len = %d, want 2", n)
	}
	l.AllowAt("9.9.9.9", t0.Add(70*time.Second)) // 5.6.7.8 idle 70 s, 1.2.3.4 30 s
	if n := l.Len(); n != 2 {
		t.Errorf("Len after 5.6.7.8 idled = %d, want 2 (1.2.3.4 and 9.9.9.9)", n)
	}
	l.AllowAt("9.9.9.9", t0.Add(130*time.Second)) // 1.2.3.4 idle 90 s
	if n := l.Len(); n != 1 {
		t.Errorf("Len after 1.2.3.4 idled = %d, want 1", n)
	}
}

func TestRateLimiterIdleCoversRefill(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	// 5 a minute, idle 1 s asked: forgetting after 1 s would hand back a
	// full bucket early, so the idle time is raised to the refill time.
	l := NewRateLimiter(rate.Every(time.Minute), 5, time.Second)
	for i := 0; i < 5; i++ {
		l.AllowAt("k", t0)
	}
	l.AllowAt("other", t0.Add(2*time.Minute)) // sweeps what has idled
	allowed := 0
	for range 3 {
		if l.AllowAt("k", t0.Add(2*time.Minute)) {
			allowed++
		}
	}
	if allowed == 3 {
		t.Error("3 events allowed 2 minutes after a burst of 5 at 1 a minute")
	}
}

func TestRateLimiterBoundedKeys(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := NewRateLimiter(1, 1, time.Hour)
	l.maxKeys = 100
	for i := 0; i < 1000; i++ {
		l.AllowAt(fmt.Sprintf("10.0.%d.%d", i/256, i%256), t0)
		if n := l.Len(); n > 100 {
			t.Fatalf("%d keys tracked, bound 100", n)
		}
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	l := NewRateLimiter(rate.Every(time.Hour), 50, time.Hour)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := map[string]int{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				key := fmt.Sprintf("k%d", i%4)
				if l.Allow(key) {
					mu.Lock()
					allowed[key]++
					mu.Unlock()
				}
			}
		}(g)
	}
	wg.Wait()
	for k, n := range allowed {
		if n != 50 {
			t.Errorf("key %s: %d allowed, want exactly the burst of 50", k, n)
		}
	}
}

// argon2Key is argon2.IDKey with the key length of HashPassword.
func argon2Key(pw string, salt []byte, t, m uint32, p uint8) []byte {
	return argon2.IDKey([]byte(pw), salt, t, m, p, argonKeyLen)
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if !CheckPassword(h, "correct horse battery") {
			b.Fatal("no match")
		}
	}
}
