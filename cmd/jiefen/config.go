package main

import (
	"flag"
	"os"
	"path/filepath"

	"github.com/jiefen/jiefen/database"
)

// Config is read from the environment; flags override it.
type Config struct {
	Addr     string // JIEFEN_ADDR
	DataDir  string // JIEFEN_DATA
	DSN      string // JIEFEN_DB; default a SQLite file in DataDir
	Key      string // JIEFEN_KEY; default a key file in DataDir
	Holidays string // JIEFEN_HOLIDAYS: optional holiday override file
	LogJSON  bool   // JIEFEN_LOG=json

	// NoIndex: the command needs no search index (user add, migrate,
	// regions load, export), so OpenApp leaves it — and the lock a running
	// server holds on it — alone.
	NoIndex bool

	MetricsAddr string // JIEFEN_METRICS_ADDR: listen address of GET /metrics (off when empty)

	// TrustedProxies (JIEFEN_TRUSTED_PROXIES): comma-separated IPs and CIDR
	// ranges of reverse proxies whose X-Forwarded-For names the client.
	TrustedProxies string

	MeiliURL   string // MEILI_URL: use Meilisearch instead of the embedded index
	MeiliKey   string // MEILI_KEY
	MeiliIndex string // JIEFEN_MEILI_INDEX
	Detector   string // JIEFEN_DETECTOR: JSON file overriding the detector's configuration
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// ConfigFromEnv returns the configuration the environment sets.
func ConfigFromEnv() Config {
	return Config{
		Addr:     envOr("JIEFEN_ADDR", ":8080"),
		DataDir:  envOr("JIEFEN_DATA", "./data"),
		DSN:      os.Getenv("JIEFEN_DB"),
		Key:      os.Getenv("JIEFEN_KEY"),
		Holidays: os.Getenv("JIEFEN_HOLIDAYS"),
		LogJSON:  os.Getenv("JIEFEN_LOG") == "json",

		MetricsAddr:    os.Getenv("JIEFEN_METRICS_ADDR"),
		TrustedProxies: os.Getenv("JIEFEN_TRUSTED_PROXIES"),

		MeiliURL:   os.Getenv("MEILI_URL"),
		MeiliKey:   os.Getenv("MEILI_KEY"),
		MeiliIndex: envOr("JIEFEN_MEILI_INDEX", "jiefen_intakes"),
		Detector:   os.Getenv("JIEFEN_DETECTOR"),
	}
}

// bind adds the flags every command shares.
func (c *Config) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (env JIEFEN_DATA)")
	fs.StringVar(&c.DSN, "db", c.DSN, "database DSN: postgres://… or a SQLite file:… (env JIEFEN_DB; default SQLite in the data directory)")
}

// bindMetrics adds --metrics-addr (serve only).
func (c *Config) bindMetrics(fs *flag.FlagSet) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr,
		"listen address of the Prometheus metrics (GET /metrics), e.g. 127.0.0.1:9090; off when empty (env JIEFEN_METRICS_ADDR)")
}

// dsn returns the database to use.
func (c *Config) dsn() string {
	if c.DSN != "" {
		return c.DSN
	}
	return database.SQLiteDSN(c.DataDir)
}

func (c *Config) keyFile() string { return filepath.Join(c.DataDir, "jiefen.key") }

func (c *Config) indexDir() string { return filepath.Join(c.DataDir, "index") }
