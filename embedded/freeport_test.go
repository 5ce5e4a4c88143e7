package embedded

import (
	"net"
	"strconv"
	"testing"
)

// FreePort's ports are bindable and lie below the kernel's ephemeral
// range, which outgoing connections draw from while a server starts.
func TestFreePortIsBelowTheEphemeralRange(t *testing.T) {
	lo := ephemeralLow()
	seen := map[int]bool{}
	for range 20 {
		port, err := FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if port < freePortFloor || port >= lo {
			t.Fatalf("port %d is outside [%d, %d)", port, freePortFloor, lo)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d is not free: %v", port, err)
		}
		l.Close()
		seen[port] = true
	}
	if len(seen) < 10 {
		t.Errorf("20 calls gave %d ports: not chosen at random", len(seen))
	}
}
