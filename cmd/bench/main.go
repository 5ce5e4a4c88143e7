// Command bench measures DataGate beside an anchor, in the same run on the
// same machine, and prints each measurement with its anchor and the ratio.
//
//	go run ./cmd/bench [p1|p2|p3|p4|p5|p6|all ...] [flags]
//
// P1 lifecycles per second, P2 decision latency, P3 read latency, P4 the
// overdue scan at two table sizes, P5 timers at scale, P6 history events per
// lifecycle. docs/PERFORMANCE.md describes each measurement, its anchor and
// the results on the reference machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/datagate/datagate/worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// phases in the order they run.
var phases = []string{"p1", "p2", "p3", "p6", "p4", "p5"}

// config is every setting of a run.
type config struct {
	which map[string]bool
	// N lifecycles (P1) and Conc concurrent clients (P1, P5 set-up).
	N, Conc int
	// DB is the read model of P1-P3, P5, P6: sqlite or mysql.
	DB string
	// MySQL is a DSN of a database the bench may wipe (its name must
	// contain "bench"); P4 runs on it too when set.
	MySQL string
	// P2N decisions, P3N reads of each kind.
	P2N, P3N int
	// P4: the two table sizes, queries per size, and which databases.
	P4Small, P4Large, P4Queries int
	P4DB                        string
	// P5N applications with a deadline in the same minute; 0 skips P5.
	// P5Rate paces their start (per second; 0: as fast as Conc clients go).
	P5N    int
	P5Rate float64
	// P5Open is how many applications are open with live deadline timers
	// (at least P5N): P5N of them fall due at T0, the others 30 days later.
	P5Open int
	// P6Warp is how soon after a task opens P6 sends its reminder (the
	// overdue mark follows one more P6Warp later).
	P6Warp time.Duration
	// StickyTimeout is both workers' sticky schedule-to-start timeout
	// (worker.StickyTimeout, as worker.New sets it, unless given).
	StickyTimeout time.Duration
	// Server is "process" (the embedded Temporal server in a child
	// process, so that its memory is its own) or "inproc".
	Server string
	// Dir holds every database of the run; removed at the end unless Keep.
	Dir  string
	Keep bool
	// Profile is a directory for CPU profiles of the measured phases.
	Profile string
	// Progress receives the progress bar; Log the services' logs.
	Progress io.Writer
	Log      io.Writer
}

const usage = `usage: bench [p1|p2|p3|p4|p5|p6|all ...] [flags]

  p1  lifecycles per second vs a bare workflow with the same Updates and activities
  p2  decision latency (approve over HTTP) vs a bare Update round trip
  p3  read latency (inbox, application detail) vs raw database/sql + net/http
  p4  overdue scan at two table sizes, SQLite and (with -mysql) MariaDB/MySQL, with EXPLAIN
  p5  timers: memory with open applications, then their deadlines in one minute vs bare timers
  p6  history events per lifecycle, standard and longest path

flags:
`

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var c config
	fs.IntVar(&c.N, "n", 100, "P1: lifecycles to run (and as many anchor lifecycles)")
	fs.IntVar(&c.Conc, "c", 16, "concurrent clients (P1, and P5's set-up)")
	fs.StringVar(&c.DB, "db", "sqlite", "read model of P1-P3, P5, P6: sqlite or mysql (needs -mysql)")
	fs.StringVar(&c.MySQL, "mysql", os.Getenv("DATAGATE_BENCH_MYSQL_DSN"),
		"DSN of a database the bench may wipe, e.g. mysql://datagate:datagate@tcp(127.0.0.1:3306)/datagate_bench (env DATAGATE_BENCH_MYSQL_DSN)")
	fs.IntVar(&c.P2N, "p2-n", 200, "P2: decisions to time (and as many bare Updates)")
	fs.IntVar(&c.P3N, "p3-n", 2000, "P3: requests of each kind to time")
	fs.IntVar(&c.P4Small, "p4-small", 50_000, "P4: rows in the small tasks table")
	fs.IntVar(&c.P4Large, "p4-large", 5_000_000, "P4: rows in the large tasks table")
	fs.IntVar(&c.P4Queries, "p4-q", 300, "P4: timed queries per size")
	fs.StringVar(&c.P4DB, "p4-db", "", "P4: databases, comma-separated (sqlite,mysql); default sqlite, and mysql when -mysql is set")
	fs.IntVar(&c.P5N, "p5-n", 2000, "P5: open applications whose deadlines fall due in the same minute (and as many bare timers)")
	fs.IntVar(&c.P5Open, "p5-open", 0, "P5: open applications with live deadline timers, of which -p5-n fall due together and the rest 30 days later (0: -p5-n)")
	fs.Float64Var(&c.P5Rate, "p5-rate", 40, "P5: starts per second during the set-up (0: as fast as -c clients go)")
	fs.DurationVar(&c.P6Warp, "p6-warp", 300*time.Millisecond, "P6: a task's reminder this long after it opens, its overdue mark as long again later")
	fs.DurationVar(&c.StickyTimeout, "sticky-timeout", worker.StickyTimeout, "both workers' sticky schedule-to-start timeout (default: DataGate's worker.StickyTimeout)")
	fs.StringVar(&c.Server, "server", "process", "embedded Temporal server: process (a child process, memory measured apart) or inproc")
	fs.StringVar(&c.Dir, "dir", "", "directory for the run's databases (default: a new temporary directory, removed at the end)")
	fs.BoolVar(&c.Keep, "keep", false, "keep the run's directory")
	fs.StringVar(&c.Profile, "profile", "", "write CPU profiles of the measured phases (bench process and Temporal server) to this directory")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	// Phase names may come before or after the flags.
	var names []string
	rest := fs.Args()
	for len(rest) > 0 {
		names = append(names, rest[0])
		if err := fs.Parse(rest[1:]); err != nil {
			return c, err
		}
		rest = fs.Args()
	}
	c.which = map[string]bool{}
	if len(names) == 0 {
		names = []string{"all"}
	}
	for _, n := range names {
		n = strings.ToLower(n)
		switch {
		case n == "all":
			for _, p := range phases {
				c.which[p] = true
			}
		case slices.Contains(phases, n):
			c.which[n] = true
		default:
			return c, fmt.Errorf("unknown measurement %q: use p1, p2, p3, p4, p5, p6 or all", n)
		}
	}
	switch {
	case c.N < 1 || c.Conc < 1 || c.P2N < 2 || c.P3N < 1 || c.P4Queries < 1:
		return c, errors.New("-n, -c, -p3-n and -p4-q must be at least 1, -p2-n at least 2")
	case c.P4Small < 1 || c.P4Large < c.P4Small:
		return c, errors.New("-p4-small must be at least 1 and -p4-large at least -p4-small")
	case c.DB != "sqlite" && c.DB != "mysql":
		return c, fmt.Errorf("-db %q: use sqlite or mysql", c.DB)
	case c.DB == "mysql" && c.MySQL == "":
		return c, errors.New("-db mysql needs -mysql DSN (or DATAGATE_BENCH_MYSQL_DSN)")
	case c.Server != "process" && c.Server != "inproc":
		return c, fmt.Errorf("-server %q: use process or inproc", c.Server)
	}
	if c.MySQL != "" {
		if err := checkBenchDSN(c.MySQL); err != nil {
			return c, err
		}
	}
	if c.P4DB == "" {
		c.P4DB = "sqlite"
		if c.MySQL != "" {
			c.P4DB = "sqlite,mysql"
		}
	}
	for _, d := range strings.Split(c.P4DB, ",") {
		if d != "sqlite" && d != "mysql" {
			return c, fmt.Errorf("-p4-db %q: list sqlite and/or mysql", c.P4DB)
		}
		if d == "mysql" && c.MySQL == "" {
			return c, errors.New("-p4-db mysql needs -mysql DSN (or DATAGATE_BENCH_MYSQL_DSN)")
		}
	}
	return c, nil
}

// run is the whole command; the hidden "temporal-server" command is the
// child process of -server process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == childCommand {
		return runChild(ctx, args[1:], stdout, stderr)
	}
	c, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	c.Progress = stderr
	rep, err := runBench(ctx, c)
	if rep != nil {
		rep.print(stdout)
	}
	return err
}

// runBench runs the selected measurements and returns the report, partial
// when one fails.
func runBench(ctx context.Context, c config) (*report, error) {
	if c.Dir == "" {
		d, err := os.MkdirTemp("", "datagate-bench-")
		if err != nil {
			return nil, err
		}
		c.Dir = d
		if !c.Keep {
			defer os.RemoveAll(d)
		}
	} else if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return nil, err
	}
	if c.Log == nil {
		f, err := os.Create(filepath.Join(c.Dir, "bench.log"))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		c.Log = f
	}
	if c.Profile != "" {
		if err := os.MkdirAll(c.Profile, 0o750); err != nil {
			return nil, err
		}
	}
	rep := newReport(c)
	b := &bench{cfg: c, rep: rep}
	defer b.close()
	for _, p := range phases {
		if !c.which[p] || (p == "p5" && c.P5N == 0) {
			continue
		}
		began := time.Now()
		var err error
		switch p {
		case "p1":
			err = b.p1(ctx)
		case "p2":
			err = b.p2(ctx)
		case "p3":
			err = b.p3(ctx)
		case "p4":
			err = b.p4(ctx)
		case "p5":
			err = b.p5(ctx)
		case "p6":
			err = b.p6(ctx)
		}
		rep.took(p, time.Since(began))
		if err != nil {
			if c.Keep {
				err = fmt.Errorf("%w (logs in %s)", err, c.Dir)
			}
			return rep, fmt.Errorf("%s: %w", strings.ToUpper(p), err)
		}
	}
	return rep, nil
}

// bench carries the shared stack of P1, P2, P3 and P6 between phases.
type bench struct {
	cfg    config
	rep    *report
	shared *stack
	// lifecycle is what one standard lifecycle did (P1's calibration),
	// for the anchor and P6.
	lifecycle *lifecycleShape
	// p1Apps are applications P1 took through the whole lifecycle.
	p1Apps []uint64
}

// stack starts the shared stack on first use.
func (b *bench) stack(ctx context.Context) (*stack, error) {
	if b.shared != nil {
		return b.shared, nil
	}
	s, err := startStack(ctx, b.cfg, "shared")
	if err != nil {
		return nil, err
	}
	b.shared = s
	return s, nil
}

func (b *bench) close() {
	if b.shared != nil {
		b.shared.stop()
		b.shared = nil
	}
}

// machine describes where the run happens.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs (%s)%s, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, mem, runtime.Version())
}
