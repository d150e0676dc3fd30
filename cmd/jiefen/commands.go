package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/jiefen/jiefen/cases"
	"github.com/jiefen/jiefen/kernel"
	"github.com/jiefen/jiefen/migrations"
	"github.com/jiefen/jiefen/staff"
)

const usage = `jiefen — multi-channel dispute mediation and petition case manager (解纷)

Usage:
  jiefen serve [--addr :8080] [--data ./data] [--db DSN] [--demo]
  jiefen migrate [--data DIR] [--db DSN]
  jiefen user add --username U --password P --role ROLE --region CODE [--name 姓名] [--unit ID]
  jiefen unit add --name 名称 --kind KIND --region CODE [--specialty S] [--parent ID] [--phone P] [--address A]
  jiefen regions load [--data DIR] [--db DSN]
  jiefen import --file F.jsonl [--region CODE] [--close-after 60d] [--strict]
  jiefen export [--format jsonl] [--out F]
  jiefen reindex
  jiefen eval --file LABELLED.jsonl [--close-after 60d] [--detector CONFIG.json]
  jiefen bench detect (--corpus F.jsonl --queries Q.jsonl | --dev LABELLED.jsonl [--n 100k,1M] [--queries 1000] [--pg DSN]) [--engine embedded|meili]
  jiefen bench intake [--concurrency 1,8,32,64] [--n 2000 | --duration 30s] [--file LABELLED.jsonl] [--db postgres://… | --url URL --user U --password P]
  jiefen version

Roles: window_clerk, hotline_agent, mediator, supervisor, leader, admin.
Region codes: 2, 4, 6, 9 or 12 digits (6109 = 610900 = 610900000000 安康市).
Environment: JIEFEN_ADDR, JIEFEN_DATA, JIEFEN_DB, JIEFEN_KEY, JIEFEN_HOLIDAYS, JIEFEN_CLOCKS, JIEFEN_LOG=json,
MEILI_URL, MEILI_KEY, JIEFEN_MEILI_INDEX, JIEFEN_DETECTOR.
`

// errUsage marks errors caused by how the command was called (exit code 2).
var errUsage = errors.New("usage")

// Run executes one command and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "jiefen:", strings.TrimPrefix(err.Error(), "usage: "))
		fmt.Fprint(stderr, "\n"+usage)
		return 2
	}
	fmt.Fprintln(stderr, "jiefen:", describe(err))
	return 1
}

// describe renders domain errors with their field messages.
func describe(err error) string {
	var e *kernel.Error
	if errors.As(err, &e) {
		s := e.Message
		for f, m := range e.Fields {
			s += fmt.Sprintf("\n  %s: %s", f, m)
		}
		return s
	}
	return err.Error()
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("usage: %s: %w", fmt.Sprintf(format, args...), errUsage)
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg := ConfigFromEnv()
	switch args[0] {
	case "serve":
		return cmdServe(ctx, cfg, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, cfg, args[1:], stdout, stderr)
	case "user":
		if len(args) < 2 || args[1] != "add" {
			return usageErr("user: expected 'user add'")
		}
		return cmdUserAdd(ctx, cfg, args[2:], stdout, stderr)
	case "unit":
		if len(args) < 2 || args[1] != "add" {
			return usageErr("unit: expected 'unit add'")
		}
		return cmdUnitAdd(ctx, cfg, args[2:], stdout, stderr)
	case "regions":
		if len(args) < 2 || args[1] != "load" {
			return usageErr("regions: expected 'regions load'")
		}
		return cmdRegionsLoad(ctx, cfg, args[2:], stdout, stderr)
	case "import":
		return cmdImport(ctx, cfg, args[1:], stdout, stderr)
	case "export":
		return cmdExport(ctx, cfg, args[1:], stdout, stderr)
	case "reindex":
		return cmdReindex(ctx, cfg, args[1:], stdout, stderr)
	case "eval":
		return cmdEval(ctx, cfg, args[1:], stdout, stderr)
	case "bench":
		return cmdBench(ctx, cfg, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "jiefen", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageErr("unknown command %q", args[0])
}

// parse parses flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usageErr("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func cmdServe(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.bind(fs)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env JIEFEN_ADDR)")
	cfg.bindMetrics(fs)
	demo := fs.Bool("demo", false, "on a fresh data directory, create demo accounts and sample cases")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogJSON)
	app, err := OpenApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	users, err := app.Staff.Store.CountUsers(ctx)
	if err != nil {
		return err
	}
	if *demo {
		existing, err := app.Cases.List(ctx, kernel.SystemActor("demo"), cases.CaseFilter{Limit: 1})
		if err != nil {
			return err
		}
		if len(existing) > 0 {
			fmt.Fprintln(stdout, "演示数据未加载：该数据目录中已有案件（--demo 只用于全新的数据目录）。")
		} else if err := loadDemo(ctx, app, stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	} else if users == 0 {
		fmt.Fprintf(stdout, `尚无任何用户。创建第一个管理员账户（另开一个终端）：
  go run ./cmd/jiefen user add --username admin --password 'change-me-now' --role admin --region 6109
或用 --demo 启动以加载演示账户和样例案件。
`)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("jiefen listening", "addr", ln.Addr().String(), "data", cfg.DataDir, "version", version())
	fmt.Fprintf(stdout, "Jiefen 已启动：http://%s/ （按 Ctrl+C 停止）\n", displayAddr(ln.Addr()))
	return app.Serve(ctx, ln)
}

// displayAddr turns ":8080" into "localhost:8080" for the start message.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

func cmdMigrate(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	cfg.bind(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	cfg.NoIndex = true
	app, err := OpenApp(ctx, cfg, newLogger(stderr, cfg.LogJSON))
	if err != nil {
		return err
	}
	defer app.Close()
	pending, err := migrations.Pending(ctx, app.DB)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema is current (%d pending)\n", len(pending))
	return nil
}

func cmdUserAdd(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	cfg.bind(fs)
	var nu staff.NewUser
	var role string
	fs.StringVar(&nu.Username, "username", "", "login name")
	fs.StringVar(&nu.Password, "password", "", "password (8+ characters; - reads one line from stdin)")
	fs.StringVar(&role, "role", "", "window_clerk | hotline_agent | mediator | supervisor | leader | admin")
	fs.StringVar(&nu.RegionCode, "region", "", "region the user works in and is confined to, e.g. 6109 or 610902")
	fs.StringVar(&nu.DisplayName, "name", "", "display name (姓名)")
	unit := fs.Int64("unit", 0, "id of the unit (机构) the user belongs to")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	if nu.Username == "" || nu.Password == "" || role == "" || nu.RegionCode == "" {
		return usageErr("user add: --username, --password, --role and --region are required")
	}
	if nu.Password == "-" {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("reading password from stdin: %w", err)
		}
		nu.Password = strings.TrimRight(line, "\r\n")
	}
	nu.Role = kernel.Role(role)
	cfg.NoIndex = true
	app, err := OpenApp(ctx, cfg, newLogger(io.Discard, false))
	if err != nil {
		return err
	}
	defer app.Close()
	if *unit != 0 {
		nu.UnitID = unit
	}
	u, err := addUserCLI(ctx, app, nu)
	if err != nil {
		return err
	}
	r, err := app.Store.Region(ctx, u.RegionCode)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s created: role %s (%s), region %s %s\n", u.Username, u.Role, u.Role.Label(), u.RegionCode, r.Name)
	return nil
}

func cmdRegionsLoad(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("regions load", flag.ContinueOnError)
	cfg.bind(fs)
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	cfg.NoIndex = true
	app, err := OpenApp(ctx, cfg, newLogger(io.Discard, false))
	if err != nil {
		return err
	}
	defer app.Close()
	n, err := app.loadRegions(ctx)
	if err != nil {
		return err
	}
	total, err := app.Store.CountRegions(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d regions added, %d in total\n", n, total)
	return nil
}
