// Package embedded runs a single-process Temporal server persisting to a
// SQLite file, for `datagate dev` and the integration tests. It is the only
// package that imports go.temporal.io/server; keep it out of unit-tested
// packages, since it takes minutes to build cold.
package embedded

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Options configures the embedded server.
type Options struct {
	// DatabaseFile is the SQLite file Temporal persists to; created with its
	// schema when missing. Empty means in memory (lost on stop).
	DatabaseFile string
	// IP the services bind to; default 127.0.0.1.
	IP string
	// FrontendPort is the gRPC port clients connect to; default 7233.
	FrontendPort int
	// Namespace to create if missing; default "default".
	Namespace string
	// HTTPPort is the frontend's HTTP API port; default FrontendPort+10
	// (7243; FrontendPort+1000 is the Web UI's) when that is free, another
	// free port otherwise: HTTPAddress says which.
	HTTPPort int
	// Logger, when set, receives the server's warnings and errors as
	// DataGate's own log lines; otherwise they go to stderr in Temporal's
	// format at LogLevel.
	Logger *slog.Logger
	// LogLevel of the server's own log (debug, info, warn, error) when
	// Logger is nil; default warn.
	LogLevel string
	// SearchAttributes are the custom search attributes the namespace is
	// created with. A namespace that already exists keeps its own: register
	// new ones through the operator service.
	SearchAttributes map[string]enumspb.IndexedValueType
}

// Server is a running embedded Temporal server.
type Server struct {
	srv         temporal.Server
	address     string
	httpAddress string
	// stopping silences the warnings a stop causes (see slogLogger).
	stopping *atomic.Bool
}

// Address is the frontend host:port for client.Dial.
func (s *Server) Address() string { return s.address }

// HTTPAddress is the frontend's HTTP API host:port.
func (s *Server) HTTPAddress() string { return s.httpAddress }

// Stopping marks the stop as begun, before the clients close: from then
// on the server's warnings, and its errors that are only a request its
// client cancelled, are the stop's own and are not logged.
func (s *Server) Stopping() { s.stopping.Store(true) }

// Stop stops every service and closes the database.
func (s *Server) Stop() {
	s.stopping.Store(true)
	s.srv.Stop()
}

// Start builds and starts the server; it returns once the frontend accepts
// connections.
func Start(o Options) (*Server, error) {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.FrontendPort == 0 {
		o.FrontendPort = 7233
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	if err := checkPortFree(o.IP, o.FrontendPort); err != nil {
		return nil, err
	}
	if o.HTTPPort == 0 {
		o.HTTPPort = o.FrontendPort + 10
		if checkPortFree(o.IP, o.HTTPPort) != nil {
			p, err := FreePort(o.IP)
			if err != nil {
				return nil, err
			}
			o.HTTPPort = p
		}
	} else if err := checkPortFree(o.IP, o.HTTPPort); err != nil {
		return nil, err
	}
	conf, err := buildConfig(o)
	if err != nil {
		return nil, err
	}
	stopping := new(atomic.Bool)
	var logger tlog.Logger = tlog.NewZapLogger(tlog.BuildZapLogger(tlog.Config{Level: o.LogLevel, Format: "json"}))
	if o.Logger != nil {
		logger = newSlogLogger(o.Logger, stopping)
	}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range conf.Services {
		hosts[primitives.ServiceName(name)] = static.SingleLocalHost(net.JoinHostPort(o.IP, strconv.Itoa(svc.RPC.GRPCPort)))
	}
	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8192,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("build embedded temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start embedded temporal server: %w", err)
	}
	return &Server{srv: srv, address: net.JoinHostPort(o.IP, strconv.Itoa(o.FrontendPort)),
		httpAddress: net.JoinHostPort(o.IP, strconv.Itoa(o.HTTPPort)), stopping: stopping}, nil
}

func checkPortFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("temporal port %d on %s is not free (set --temporal-port or DATAGATE_TEMPORAL_PORT to another port): %w", port, ip, err)
	}
	return l.Close()
}

// FreePort returns a port on ip that is free now, for a server to listen
// on. It is chosen at random below the kernel's ephemeral range: a port
// from that range (what listening on port 0 returns) is also what the
// next outgoing connection of any process on the machine may take before
// the server binds it, and the Temporal server exits when a listener
// cannot bind.
func FreePort(ip string) (int, error) {
	lo := ephemeralLow()
	for range 100 {
		port := freePortFloor + rand.IntN(lo-freePortFloor)
		if l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port))); err == nil {
			return port, l.Close()
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port on %s: %w", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freePortFloor is the lowest port FreePort picks: above the well-known
// and most registered services' ports.
const freePortFloor = 20000

// ephemeralLow is the first port of the kernel's ephemeral range (Linux;
// 32768, its default, elsewhere).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if lo, err := strconv.Atoi(f[0]); err == nil && lo > freePortFloor+1000 {
				return lo
			}
		}
	}
	return 32768
}

func buildConfig(o Options) (*config.Config, error) {
	sqlConf, err := sqlConfig(o)
	if err != nil {
		return nil, err
	}
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30e9
	conf.Global.Membership.BroadcastAddress = o.IP
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite": {SQL: sqlConf}}
	httpPort := o.HTTPPort
	const clusterName = "active"
	frontend := net.JoinHostPort(o.IP, strconv.Itoa(o.FrontendPort))
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            net.JoinHostPort(o.IP, strconv.Itoa(httpPort)),
				ClusterID:              "6d1b5f7e-3c1a-4f7e-9a57-0da7a9a7e001",
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = map[string]config.Service{}
	for _, name := range []string{"frontend", "history", "matching", "worker"} {
		var svc config.Service
		svc.RPC.BindOnIP = o.IP
		if name == "frontend" {
			svc.RPC.GRPCPort = o.FrontendPort
			svc.RPC.HTTPPort = httpPort
		} else if svc.RPC.GRPCPort, err = FreePort(o.IP); err != nil {
			return nil, err
		}
		conf.Services[name] = svc
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	return &conf, nil
}

func sqlConfig(o Options) (*config.SQL, error) {
	conf := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		MaxConns:     1,
		MaxIdleConns: 1,
	}
	if o.DatabaseFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = "datagate-" + strconv.Itoa(os.Getpid())
	} else {
		conf.ConnectAttributes = map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": "10000",
		}
		conf.DatabaseName = o.DatabaseFile
		if _, err := os.Stat(o.DatabaseFile); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(o.DatabaseFile), 0o750); err != nil {
				return nil, fmt.Errorf("create temporal data dir: %w", err)
			}
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("set up temporal schema in %s: %w", o.DatabaseFile, err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig("active", o.Namespace, false, o.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", o.Namespace, err)
	}
	return conf, nil
}
