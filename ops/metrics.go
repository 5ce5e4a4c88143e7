package ops

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	sdkotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// Metrics is one process's Prometheus registry: Go and process metrics,
// HTTP requests by route template, the read model's tasks (when a Tasks
// source is added), and the Temporal SDK's client and worker metrics.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	temporal client.MetricsHandler
}

// NewMetrics builds the registry.
func NewMetrics() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "datagate_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "datagate_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "datagate_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	for _, c := range []prometheus.Collector{
		m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	// The SDK reports through OpenTelemetry; its exporter feeds this
	// registry. Timers are in seconds: Prometheus's default buckets.
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("temporal metrics exporter: %w", err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithView(sdkmetric.NewView(
		sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: prometheus.DefBuckets}},
	)))
	m.temporal = sdkotel.NewMetricsHandler(sdkotel.MetricsHandlerOptions{
		Meter:                provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError:              func(error) {},
	})
	return m, nil
}

// TemporalHandler is the client.Options.MetricsHandler that exports the
// SDK's metrics (temporal_request, temporal_workflow_task_*,
// temporal_activity_*, temporal_worker_task_slots_available, ...).
func (m *Metrics) TemporalHandler() client.MetricsHandler { return m.temporal }

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// AddHolidayTables exports datagate_holiday_table_missing: 1 while a
// year's holiday table is needed and absent (missing answers which year:
// the current one, or the next from 1 October), with the year in
// datagate_holiday_table_missing_year; 0 and 0 otherwise. Deadlines counted
// into that year are provisional until the table is added.
func (m *Metrics) AddHolidayTables(missing func() (year int, ok bool)) error {
	flag := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "datagate_holiday_table_missing",
		Help: "1 while a needed year's holiday table is absent: deadlines counted into it are provisional.",
	}, func() float64 {
		if _, ok := missing(); ok {
			return 1
		}
		return 0
	})
	year := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "datagate_holiday_table_missing_year",
		Help: "The year whose holiday table is needed and absent; 0 when none is.",
	}, func() float64 {
		if y, ok := missing(); ok {
			return float64(y)
		}
		return 0
	})
	for _, c := range []prometheus.Collector{flag, year} {
		if err := m.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Tasks is the read model's view the task gauges are read from.
type Tasks interface {
	// TaskCounts counts tasks by status.
	TaskCounts(ctx context.Context) (map[string]int64, error)
	// OverdueByDepartment counts open tasks past their due time at now,
	// by the department they wait on; an applicant's own steps are not
	// counted.
	OverdueByDepartment(ctx context.Context, now time.Time) (map[string]int64, error)
}

// TaskGaugeMaxAge is how long the task gauges are reused between scrapes:
// two grouped queries over the tasks table take about a second at 200,000
// tasks on MariaDB here, so however many scrapers there are, the database
// answers them at most this often.
const TaskGaugeMaxAge = 15 * time.Second

// AddTasks exports the task gauges, read from src at a scrape when the
// last reading is older than TaskGaugeMaxAge. One process per deployment
// should export them: they describe the database, not the process.
func (m *Metrics) AddTasks(src Tasks, log *slog.Logger) error {
	return m.reg.Register(&taskCollector{src: src, log: log, now: time.Now})
}

type taskCollector struct {
	src Tasks
	log *slog.Logger
	now func() time.Time

	mu      sync.Mutex
	readAt  time.Time
	counts  map[string]int64
	overdue map[string]int64
	failed  bool
}

// read refreshes the cached reading when it is too old.
func (c *taskCollector) read() (counts, overdue map[string]int64, failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.readAt.IsZero() || now.Sub(c.readAt) >= TaskGaugeMaxAge {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.readAt = now
		counts, err := c.src.TaskCounts(ctx)
		var overdue map[string]int64
		if err == nil {
			overdue, err = c.src.OverdueByDepartment(ctx, now)
		}
		c.failed = err != nil
		if err != nil {
			c.log.Warn("task metrics: read the database", "error", err.Error())
		} else {
			c.counts, c.overdue = counts, overdue
		}
	}
	return c.counts, c.overdue, c.failed
}

var (
	tasksDesc = prometheus.NewDesc("datagate_tasks",
		"Tasks in the read model by status (open, done, cancelled).", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("datagate_tasks_overdue",
		"Open tasks past their due time, by the department they wait on (an applicant's own steps are not counted).", []string{"department"}, nil)
	scrapeErrDesc = prometheus.NewDesc("datagate_tasks_scrape_error",
		"1 when the task gauges' last reading from the database failed (the gauges keep the reading before).", nil, nil)
)

func (c *taskCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- tasksDesc
	ch <- overdueDesc
	ch <- scrapeErrDesc
}

func (c *taskCollector) Collect(ch chan<- prometheus.Metric) {
	counts, overdue, failed := c.read()
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(tasksDesc, prometheus.GaugeValue, float64(n), status)
	}
	for dept, n := range overdue {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n), dept)
	}
	errValue := 0.0
	if failed {
		errValue = 1
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, errValue)
}
