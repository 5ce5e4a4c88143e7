package embedded

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// UI is the Temporal Web UI (github.com/temporalio/ui-server, its pages
// built into the module) served beside the embedded server, as Temporal's
// own `start-dev` serves it: an operator sees each application's workflow,
// its history, pending Updates and timers, and filters by DataGate's
// search attributes. It only reads: terminating, signalling, updating,
// resetting or starting a workflow there would change the process behind
// DataGate's API, its permissions and its audit, so every write action is
// off.
type UI struct {
	srv  *uiserver.Server
	addr string
	done chan struct{}
}

// StartUI serves the UI on ip:port for the frontend at temporalAddress,
// with namespace as the one it opens on. The port must be free: it is
// checked first, since the UI server exits the process when it cannot
// listen.
func StartUI(ip string, port int, temporalAddress, namespace string) (*UI, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("temporal UI port %d on %s is not free (set --temporal-ui-port or DATAGATE_TEMPORAL_UI_PORT to another port, or off): %w", port, ip, err)
	}
	l.Close()
	cfg := &uiconfig.Config{
		Host: ip, Port: port, TemporalGRPCAddress: temporalAddress, DefaultNamespace: namespace,
		EnableUI: true, HideLogs: true,
		// Loopback over plain HTTP: the CSRF cookie must not be Secure.
		CORS: uiconfig.CORS{CookieInsecure: true},
		// No call to the internet from the operator's browser or here.
		DisableNewsFetch: true, NotifyOnNewVersion: false,
		DisableWriteActions: true, WorkflowTerminateDisabled: true, WorkflowCancelDisabled: true,
		WorkflowSignalDisabled: true, WorkflowUpdateDisabled: true, WorkflowResetDisabled: true,
		WorkflowPauseDisabled: true, BatchActionsDisabled: true, StartWorkflowDisabled: true,
		ActivityCommandsDisabled: true,
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("temporal UI: %w", err)
	}
	u := &UI{srv: uiserver.NewServer(uioptions.WithConfigProvider(cfg)), addr: net.JoinHostPort(ip, strconv.Itoa(port)),
		done: make(chan struct{})}
	go func() {
		defer close(u.done)
		_ = u.srv.Start()
	}()
	// Answer once it serves.
	deadline := time.Now().Add(10 * time.Second)
	probe := &http.Client{Timeout: time.Second}
	for {
		resp, err := probe.Get("http://" + u.addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return u, nil
		}
		if time.Now().After(deadline) {
			u.Stop()
			return nil, fmt.Errorf("temporal UI on %s did not start: %w", u.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is where an operator opens the UI.
func (u *UI) URL() string { return "http://" + u.addr }

// Stop closes the UI's listener and its connections.
func (u *UI) Stop() {
	u.srv.Stop()
	<-u.done
}
