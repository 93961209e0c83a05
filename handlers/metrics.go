package handlers

import (
	"context"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rollcall/models"
)

// promMetrics are rollcall's Prometheus metrics, on a registry of its own.
type promMetrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	webhooks *prometheus.CounterVec
}

func newMetrics(store *models.Store, queue Queue) *promMetrics {
	m := &promMetrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rollcall_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rollcall_webhooks_total", Help: "Zoom webhooks by event and outcome (stored, duplicate, refused status).",
		}, []string{"event", "outcome"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.webhooks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&stateCollector{store: store, queue: queue})
	return m
}

// observe records every request under its route pattern (never the raw
// path: ids would make unbounded label values).
func (h *Handlers) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	h.metrics.requests.WithLabelValues(route, methodLabel(c.Request.Method), strconv.Itoa(c.Writer.Status())).Inc()
	h.metrics.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// showMetrics serves the Prometheus metrics.
func (h *Handlers) showMetrics(c *gin.Context) error {
	promhttp.HandlerFor(h.metrics.registry, promhttp.HandlerOpts{}).ServeHTTP(c.Writer, c.Request)
	return nil
}

// stateCollector reports, at each scrape, meetings by fetch status and queue
// jobs by state, straight from the database (so every replica agrees).
type stateCollector struct {
	store *models.Store
	queue Queue
}

var (
	meetingsDesc = prometheus.NewDesc("rollcall_meetings", "Meeting instances by fetch status.", []string{"fetch_status"}, nil)
	jobsDesc     = prometheus.NewDesc("rollcall_queue_jobs", "Queue jobs by state.", []string{"state"}, nil)
)

func (s *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- meetingsDesc
	ch <- jobsDesc
}

func (s *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if counts, err := s.store.CountByStatus(ctx); err == nil {
		for _, st := range []string{models.FetchLive, models.FetchPending, models.FetchFetching, models.FetchFetched, models.FetchFailed} {
			ch <- prometheus.MustNewConstMetric(meetingsDesc, prometheus.GaugeValue, float64(counts[st]), st)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(meetingsDesc, err)
	}
	if counts, err := s.queue.JobCounts(ctx); err == nil {
		for st, n := range counts {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), st)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(jobsDesc, err)
	}
}
