package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	rpprof "runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/workflows"
)

// childCommand runs only the embedded Temporal server; the bench starts
// itself with it so that the server's memory and CPU are its own.
const childCommand = "temporal-server"

func serverOptions(file string, port int, logLevel string) embedded.Options {
	return embedded.Options{DatabaseFile: file, FrontendPort: port, Namespace: "default", LogLevel: logLevel,
		SearchAttributes: workflows.SearchAttributeTypes()}
}

// runChild is the child process: it starts the server, serves pprof and
// memory statistics on a loopback port, prints "ready ADDR DEBUGADDR", and
// stops when its standard input closes (the bench ended, or died).
func runChild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(childCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "SQLite file")
	port := fs.Int("port", 0, "frontend port")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := embedded.Start(serverOptions(*file, *port, "warn"))
	if err != nil {
		return err
	}
	defer srv.Stop()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	// A CPU profile from start to stop, written by this process to the
	// file the bench names: the bench profiles exactly what it measures.
	var cpuFile *os.File
	mux.HandleFunc("POST /cpu/start", func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Create(r.URL.Query().Get("file"))
		if err == nil {
			if err = rpprof.StartCPUProfile(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		cpuFile = f
	})
	mux.HandleFunc("POST /cpu/stop", func(w http.ResponseWriter, r *http.Request) {
		rpprof.StopCPUProfile()
		if cpuFile != nil {
			_ = cpuFile.Close()
			cpuFile = nil
		}
	})
	mux.HandleFunc("/memstats", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(readMem())
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	fmt.Fprintf(stdout, "ready %s %s\n", srv.Address(), ln.Addr())
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// mem is a process's memory: resident set, and the Go heap in use after a
// collection.
type mem struct {
	RSS       int64  `json:"rss"`
	HeapInuse uint64 `json:"heap_inuse"`
	Sys       uint64 `json:"sys"`
}

func (m mem) String() string {
	return fmt.Sprintf("RSS %s, heap in use %s", mib(m.RSS), mib(int64(m.HeapInuse)))
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// readMem collects garbage and reads this process's memory.
func readMem() mem {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return mem{RSS: rssOf("self"), HeapInuse: ms.HeapInuse, Sys: ms.Sys}
}

// rssOf reads VmRSS of /proc/PID/status; 0 where there is no /proc.
func rssOf(pid string) int64 {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// server is the embedded Temporal server, in this process or a child.
type server struct {
	addr   string
	inproc *embedded.Server
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	debug  string // child's pprof and memstats address
	exited chan struct{}
}

func startServer(ctx context.Context, c config, dir string) (*server, error) {
	port, err := embedded.FreePort("127.0.0.1")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "temporal.db")
	if c.Server == "inproc" {
		srv, err := embedded.Start(serverOptions(file, port, "error"))
		if err != nil {
			return nil, err
		}
		return &server{addr: srv.Address(), inproc: srv}, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench binary to start the server: %w", err)
	}
	logf, err := os.Create(filepath.Join(dir, "temporal-server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, childCommand, "-file", file, "-port", strconv.Itoa(port))
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start the Temporal server process: %w", err)
	}
	s := &server{cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ready ") {
				ready <- sc.Text()
			}
		}
	}()
	select {
	case line := <-ready:
		f := strings.Fields(line)
		s.addr, s.debug = f[1], f[2]
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("the Temporal server process exited; see %s", logf.Name())
	case <-time.After(3 * time.Minute):
		s.stop()
		return nil, errors.New("the Temporal server process did not start within 3 minutes")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// mem is the server process's memory; ok is false in process.
func (s *server) mem(ctx context.Context) (m mem, ok bool, err error) {
	if s.inproc != nil {
		return mem{}, false, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.debug+"/memstats", nil)
	if err != nil {
		return m, false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return m, false, fmt.Errorf("server memory: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return m, false, fmt.Errorf("server memory: %w", err)
	}
	return m, true, nil
}

// cpuProfile starts (path set) or stops (path empty) a CPU profile of the
// server process; nothing in process.
func (s *server) cpuProfile(ctx context.Context, path string) error {
	if s.inproc != nil {
		return nil
	}
	u := "http://" + s.debug + "/cpu/stop"
	if path != "" {
		u = "http://" + s.debug + "/cpu/start?file=" + url.QueryEscape(path)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("server CPU profile: %s", b)
	}
	return nil
}

func (s *server) stop() {
	if s.inproc != nil {
		s.inproc.Stop()
		return
	}
	_ = s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}
