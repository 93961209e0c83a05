// Package app is rollcall's core, wired once: New opens and migrates the
// store, builds the Zoom client, the job queue and the HTTP handlers, and
// creates the first admin; Serve runs the web app and the queue on a
// listener until its context ends. `rollcall serve`, `rollcall demo`,
// bench/load and every test that boots rollcall go through it, so they all
// run the same program.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"rollcall/handlers"
	"rollcall/jobs"
	"rollcall/models"
	"rollcall/zoom"
)

// ShutdownTimeout bounds Serve's shutdown: stopping HTTP and letting
// running fetches finish. Fetches still running then are cancelled (and
// retried by the next process).
const ShutdownTimeout = 15 * time.Second

// App is rollcall ready to serve: an open, migrated store, the queue and
// the handlers.
type App struct {
	cfg     Config
	log     *slog.Logger
	store   *models.Store
	queue   *jobs.Queue
	handler http.Handler
	// warmHome fills the home page's cache (handlers.WarmHomeCache).
	warmHome func(context.Context) (int, error)

	closeOnce sync.Once
	closeErr  error
}

// New checks the Zoom settings, opens and migrates the database (rollcall's
// tables and the queue's), and wires the Zoom client, the queue and the
// handlers; it creates the admin of cfg.AdminEmail when no user exists yet.
// Nothing runs until Serve. A nil log discards. On error nothing is left
// open.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.requireZoom(); err != nil {
		return nil, err
	}
	zc := cfg.Zoom
	zc.Logger = log
	client, err := zoom.New(zc)
	if err != nil {
		return nil, err
	}
	store, err := OpenStore(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	queue, err := jobs.New(store, client, jobs.Config{
		FetchDelay:     cfg.FetchDelay,
		NotReadyRetry:  cfg.NotReadyRetry,
		NotReadyGiveUp: cfg.NotReadyGiveUp,
		Workers:        cfg.Workers,
		JobTimeout:     cfg.JobTimeout,
		RescueAfter:    cfg.RescueAfter,
		Retention:      cfg.Retention,
		DropNetworkIDs: !cfg.StoreNetworkIDs,
		EventsOnly:     cfg.Zoom.Source == zoom.SourceWebhooks,
		Lister:         client,
		SweepEvery:     cfg.SweepEvery,
		SweepLookback:  cfg.SweepLookback,
		BaseURL:        baseURL(cfg),
	}, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	if err := bootstrapAdmin(ctx, store, cfg, log); err != nil {
		store.Close()
		return nil, err
	}
	h := handlers.New(store, queue, handlers.Config{
		WebhookSecret:  cfg.WebhookSecret,
		SecureCookies:  cfg.BaseURL != nil && cfg.BaseURL.Scheme == "https",
		TrustedProxies: cfg.TrustedProxies,
		BaseURL:        strings.TrimSuffix(cfg.BaseURL.String(), "/"),
		SSO:            cfg.SSO,
		Timezone:       cfg.Timezone,
		SweepEvery:     cfg.SweepEvery,
		SweepLookback:  cfg.SweepLookback,
		Thresholds: &models.Thresholds{
			LateAfter: cfg.LateAfter, EarlyBefore: cfg.EarlyBefore, PresentPercent: cfg.PresentPercent,
		},
	}, log)
	return &App{cfg: cfg, log: log, store: store, queue: queue, handler: h.Router(), warmHome: h.WarmHomeCache}, nil
}

// OpenStore opens the database dsn (a SQLite file or a postgres:// URL) and
// migrates it: rollcall's tables and the queue's. `rollcall migrate` and
// `rollcall users` use it without the rest of the app.
func OpenStore(ctx context.Context, dsn string, log *slog.Logger) (*models.Store, error) {
	store, err := models.Open(ctx, dsn, log)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, store, log); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}

// Handler is the app's HTTP handler, every route; Serve serves it.
func (a *App) Handler() http.Handler { return a.handler }

// Store is the app's open store. It stays valid until Close (or the end of
// Serve).
func (a *App) Store() *models.Store { return a.store }

// Serve serves HTTP on ln and runs the queue until ctx ends or serving
// fails, then shuts down in order: it stops taking requests, lets running
// fetches finish (for up to ShutdownTimeout), and closes the app. It closes
// ln. Call it once; the App cannot serve again after it returns.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// rollcall's requests carry a cookie and short headers; 64 KiB
		// bounds what a stranger's request line and headers may hold
		// (net/http's default is 1 MiB).
		MaxHeaderBytes: 64 << 10,
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// HTTP serves first: webhooks only need the database (their fetch
	// jobs are inserted durably whether or not the workers run yet), so
	// the queue's start (River's leader election, producers) is not part
	// of the time to the first answer. The queue outlives ctx: Stop below
	// ends it softly, after HTTP.
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	warmCtx, stopWarming := context.WithCancel(ctx)
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		a.warmHomeCache(warmCtx)
	}()
	// The store must outlive the warming: each way out below stops it and
	// waits for it before Close.
	if err := a.queue.Start(context.WithoutCancel(ctx)); err != nil {
		shutCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
		defer cancel()
		stopWarming()
		<-warmed
		return errors.Join(err, srv.Shutdown(shutCtx), a.Close())
	}

	var err error
	select {
	case err = <-served:
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	httpErr := srv.Shutdown(shutCtx)
	queueErr := a.queue.Stop(shutCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	stopWarming()
	<-warmed
	return errors.Join(err, httpErr, queueErr, a.Close())
}

// warmHomeAfter is how long after a start the home page's cache is
// filled: long enough not to slow the first answers (load balancers'
// health checks, webhooks queued while the app was down), short enough to
// come before the first manager.
const warmHomeAfter = time.Second

// warmHomeCache fills the home page's cache in the background of a start,
// so that the first manager to open / does not wait for the attendance of
// a week of meetings to be computed.
func (a *App) warmHomeCache(ctx context.Context) {
	// Not before the first answers: readiness, then warmth.
	select {
	case <-ctx.Done():
		return
	case <-time.After(warmHomeAfter):
	}
	start := time.Now()
	n, err := a.warmHome(ctx)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Warn("home page cache not warmed", "error", err)
		}
		return
	}
	a.log.Info("home page cache warmed", "meetings", n, "took", time.Since(start).Round(time.Millisecond))
}

// Close closes the store. Serve calls it on the way out; call it yourself
// when New succeeded but Serve never ran. Calling it again does nothing.
func (a *App) Close() error {
	a.closeOnce.Do(func() { a.closeErr = a.store.Close() })
	return a.closeErr
}

// bootstrapAdmin creates the admin of ROLLCALL_ADMIN_EMAIL and
// ROLLCALL_ADMIN_PASSWORD when no user exists yet.
func bootstrapAdmin(ctx context.Context, store *models.Store, cfg Config, log *slog.Logger) error {
	if cfg.AdminEmail == "" {
		return nil
	}
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if _, err := store.CreateUser(ctx, cfg.AdminEmail, models.RoleAdmin, cfg.AdminPassword); err != nil {
		var verr *models.ValidationError
		if errors.As(err, &verr) {
			return fmt.Errorf("ROLLCALL_ADMIN_%s: %s", strings.ToUpper(verr.Field), verr.Problem)
		}
		return err
	}
	log.Info("created the first admin", "email", models.NormalizeEmail(cfg.AdminEmail))
	return nil
}

// LocalAddr turns a listen address (such as ROLLCALL_ADDR, or a listener's
// Addr) into one to dial on this machine: an empty or unspecified host
// (":8080", "0.0.0.0:8080", "[::]:8080") becomes 127.0.0.1.
func LocalAddr(addr string) string {
	host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// Backfill runs one discovery d (see jobs.Queue.Discover) against Zoom with
// cfg's credentials on cfg's database, queueing the fetches it finds
// missing for the workers of the running rollcall; `rollcall backfill`
// uses it. It needs Zoom's API credentials, not the webhook secret.
func Backfill(ctx context.Context, cfg Config, log *slog.Logger, d jobs.Discovery) (models.CoverageRun, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var missing []error
	for _, s := range []struct{ name, val string }{
		{"ZOOM_ACCOUNT_ID", cfg.Zoom.AccountID},
		{"ZOOM_CLIENT_ID", cfg.Zoom.ClientID},
		{"ZOOM_CLIENT_SECRET", cfg.Zoom.ClientSecret},
	} {
		if s.val == "" {
			missing = append(missing, fmt.Errorf("%s is not set (see README: Deploying)", s.name))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return models.CoverageRun{}, err
	}
	zc := cfg.Zoom
	zc.Logger = log
	client, err := zoom.New(zc)
	if err != nil {
		return models.CoverageRun{}, err
	}
	store, err := OpenStore(ctx, cfg.Database, log)
	if err != nil {
		return models.CoverageRun{}, err
	}
	defer store.Close()
	queue, err := jobs.New(store, nil, jobs.Config{}, log) // enqueues only
	if err != nil {
		return models.CoverageRun{}, err
	}
	return queue.Discover(ctx, client, d)
}

// baseURL is cfg's ROLLCALL_BASE_URL as text ("" when unset).
func baseURL(cfg Config) string {
	if cfg.BaseURL == nil {
		return ""
	}
	return cfg.BaseURL.String()
}
