package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// cutOffBound is how long a test waits for the server to close a slow
// connection: far above the timeouts it configures, far below what a
// server without them would allow (forever).
const cutOffBound = 10 * time.Second

// startHTTP serves a handler that reads the whole body, with the
// configuration's timeouts (as `serve` does), on a real TCP port.
func startHTTP(t *testing.T, timeouts httpTimeouts) string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body not read", http.StatusRequestTimeout)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	srv := newHTTPServer(h, timeouts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// dribble writes head at once, then one byte of rest every interval until
// the connection fails or the test ends.
func dribble(t *testing.T, conn net.Conn, head, rest string, interval time.Duration) {
	t.Helper()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte{rest[i%len(rest)]}); err != nil {
				return
			}
		}
	}()
}

// closedWithin reads the connection until the server closes it, and
// fails the test if that takes longer than cutOffBound.
func closedWithin(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	began := time.Now()
	_ = conn.SetReadDeadline(began.Add(cutOffBound))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the connection is still open after %v", what, cutOffBound)
	}
	t.Logf("%s: closed by the server after %v", what, time.Since(began).Round(time.Millisecond))
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// A client that dribbles its body, or its headers, one byte at a time is
// cut off at the read timeouts; an idle kept-alive connection is closed
// at the idle timeout; a prompt client is served. The timeouts come from
// the configuration, as `serve` reads them.
func TestHTTPServerCutsOffSlowClients(t *testing.T) {
	c, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db",
		"DATAGATE_HTTP_READ_HEADER_TIMEOUT", "300ms", "DATAGATE_HTTP_READ_TIMEOUT", "600ms",
		"DATAGATE_HTTP_WRITE_TIMEOUT", "5s", "DATAGATE_HTTP_IDLE_TIMEOUT", "400ms"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	addr := startHTTP(t, c.HTTPTimeouts)

	t.Run("slow body", func(t *testing.T) {
		conn := dial(t, addr)
		dribble(t, conn, "POST /upload HTTP/1.1\r\nHost: datagate\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
			strings.Repeat("a", 64), 50*time.Millisecond)
		closedWithin(t, conn, "a body sent one byte every 50 ms")
	})
	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t, addr)
		dribble(t, conn, "GET /healthz HTTP/1.1\r\n", "X-Padding: aaaaaaaa\r\n", 50*time.Millisecond)
		closedWithin(t, conn, "headers sent one byte every 50 ms")
	})
	t.Run("idle", func(t *testing.T) {
		conn := dial(t, addr)
		if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: datagate\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != "ok" || resp.Close {
			t.Fatalf("a prompt request: %d %q (close=%v)", resp.StatusCode, body, resp.Close)
		}
		closedWithin(t, conn, "a kept-alive connection left idle")
	})
	t.Run("prompt", func(t *testing.T) {
		resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(`{"ok":true}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if body, _ := io.ReadAll(resp.Body); resp.StatusCode != http.StatusOK || string(body) != "ok" {
			t.Errorf("a prompt request: %d %q", resp.StatusCode, body)
		}
	})
}

// The timeouts' defaults, their settings and their errors.
func TestConfigHTTPTimeouts(t *testing.T) {
	for _, cmd := range []string{cmdDev, cmdServe, cmdWorker} {
		c, err := parseConfig(cmd, nil, env("DATAGATE_DB", "sqlite:///x.db"), &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if c.HTTPTimeouts != defaultHTTPTimeouts {
			t.Errorf("%s: timeouts %+v, want the defaults %+v", cmd, c.HTTPTimeouts, defaultHTTPTimeouts)
		}
	}
	srv := newHTTPServer(http.NotFoundHandler(), defaultHTTPTimeouts)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second || srv.WriteTimeout != 2*time.Minute || srv.IdleTimeout != 2*time.Minute {
		t.Errorf("the default server: header %v, read %v, write %v, idle %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv := newHTTPServer(http.NotFoundHandler(), httpTimeouts{}); srv.ReadTimeout != defaultHTTPTimeouts.Read || srv.IdleTimeout != defaultHTTPTimeouts.Idle {
		t.Errorf("zero timeouts are not the defaults: read %v, idle %v", srv.ReadTimeout, srv.IdleTimeout)
	}
	c, err := parseConfig(cmdWorker, []string{"--http-read-timeout", "45s", "--http-idle-timeout", "1m"},
		env("DATAGATE_DB", "sqlite:///x.db", "DATAGATE_HTTP_READ_TIMEOUT", "5s", "DATAGATE_HTTP_WRITE_TIMEOUT", "3m"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (httpTimeouts{ReadHeader: 10 * time.Second, Read: 45 * time.Second, Write: 3 * time.Minute, Idle: time.Minute}); c.HTTPTimeouts != want {
		t.Errorf("timeouts %+v, want %+v", c.HTTPTimeouts, want)
	}
	for _, bad := range []struct{ env, value, want string }{
		{"DATAGATE_HTTP_READ_TIMEOUT", "0", "--http-read-timeout / DATAGATE_HTTP_READ_TIMEOUT"},
		{"DATAGATE_HTTP_READ_HEADER_TIMEOUT", "-1s", "--http-read-header-timeout / DATAGATE_HTTP_READ_HEADER_TIMEOUT"},
		{"DATAGATE_HTTP_WRITE_TIMEOUT", "soon", "--http-write-timeout / DATAGATE_HTTP_WRITE_TIMEOUT"},
		{"DATAGATE_HTTP_IDLE_TIMEOUT", "120", "--http-idle-timeout / DATAGATE_HTTP_IDLE_TIMEOUT"},
		{"DATAGATE_HTTP_READ_HEADER_TIMEOUT", "1m", "is longer than --http-read-timeout"},
	} {
		_, err := parseConfig(cmdServe, nil, env("DATAGATE_DB", "sqlite:///x.db", bad.env, bad.value), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s=%q: %v, want it to name %q", bad.env, bad.value, err, bad.want)
		}
	}
}
