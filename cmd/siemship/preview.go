package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/mapping"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/output"
	"github.com/siemship/siemship/internal/pipeline"
	"github.com/siemship/siemship/internal/record"
	"github.com/siemship/siemship/internal/source/consumer"
)

func init() {
	commands["preview"] = command{
		summary: "print what the SIEM will receive: records from the logstore (or a file) in the configured format",
		details: "It reads the same variables as siemship run (siemship help-env), pulls the first records of the logstore's\n" +
			"shards without a consumer group (nothing is checkpointed, nothing is sent) and prints each as the syslog message\n" +
			"siemship would send, one per line, without framing. With -file it reads JSON records instead, one object per line:\n" +
			"string values; __topic__, __source__ and __time__ (unix seconds) as SLS names them; every other member a field.\n" +
			"Exit status: 0 when records were printed, 1 when none could be read, 2 for a bad configuration.",
		setup: setupPreview,
	}
}

func setupPreview(fs *flag.FlagSet) runFunc {
	n := fs.Int("n", 5, "records to print")
	file := fs.String("file", "", "read JSON records from this file (- for standard input) instead of the logstore")
	timeout := fs.Duration("timeout", 60*time.Second, "deadline for the whole command")
	return func(ctx context.Context, stdout, stderr io.Writer) int {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		return preview(ctx, os.Environ(), *n, *file, stdout, stderr)
	}
}

func preview(ctx context.Context, environ []string, n int, file string, stdout, stderr io.Writer) int {
	if n < 1 {
		fmt.Fprintln(stderr, "siemship preview: -n must be at least 1")
		return 2
	}
	cfg, code := loadConfig(config.Load, environ, stderr)
	if cfg == nil {
		return code
	}
	enc, warnings, err := output.NewEncoder(cfg, message.FramingNone)
	if err != nil {
		fmt.Fprintf(stderr, "siemship preview: %v\n", err)
		return 2
	}
	m, err := output.NewMapping(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "siemship preview: %v\n", err)
		return 2
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "siemship preview: warning: %s\n", w)
	}
	var groups []record.Group
	if file != "" {
		groups, err = readRecordFile(file, n)
	} else {
		groups, err = pullRecords(ctx, cfg, n)
	}
	if err != nil {
		fmt.Fprintf(stderr, "siemship preview: %v\n", err)
	}
	if printed := printMessages(stdout, m, enc, groups, n); printed == 0 {
		if err == nil {
			fmt.Fprintln(stderr, "siemship preview: no records (the shards are empty)")
		}
		return 1
	}
	return 0
}

// printMessages maps and encodes up to n logs of groups and prints one message per line, each after a "# rule"
// line naming the rule it matched, if any; a record a rule drops prints only "# rule ... dropped". It returns how
// many records it showed.
func printMessages(w io.Writer, m *mapping.Mapper, enc pipeline.Encoder, groups []record.Group, n int) int {
	shown := 0
	var s message.Scratch
	var ms mapping.Scratch
	for gi := range groups {
		for li := range groups[gi].Logs {
			if shown >= n {
				return shown
			}
			g := groups[gi]
			g.Logs = g.Logs[li : li+1]
			var heads []message.Head
			mg := &g
			if m != nil {
				if r := m.Match(&g, &g.Logs[0]); r != nil {
					what := ""
					if r.Drop {
						what = ": dropped, not sent"
					}
					fmt.Fprintf(w, "# rule %s (line %d)%s\n", r.Name, r.Line, what)
				}
				var res mapping.Result
				if mg, heads, res = m.MapGroup(&g, &ms); res.Dropped > 0 {
					shown++
					continue
				}
			}
			var b message.Batch
			enc.AppendGroup(&b, mg, heads, &s)
			for i := range b.Len() {
				fmt.Fprintf(w, "%s\n", b.Frame(i))
			}
			shown++
		}
	}
	return shown
}

// pullRecords reads up to n logs from the start of the logstore's shards, one pull per shard, as the consumer would
// decode them, without a consumer group.
func pullRecords(ctx context.Context, cfg *config.Config, n int) ([]record.Group, error) {
	cl, err := opsClient(cfg)
	if err != nil {
		return nil, err
	}
	shards, err := cl.ListShards(cfg.Project, cfg.Logstore)
	if err != nil {
		return nil, fmt.Errorf("list shards: %w", consumer.OneLine(err))
	}
	sort.Slice(shards, func(i, j int) bool { return shards[i].ShardID < shards[j].ShardID })
	var groups []record.Group
	got := 0
	for _, sh := range shards {
		if got >= n || ctx.Err() != nil {
			break
		}
		cur, err := cl.GetCursor(cfg.Project, cfg.Logstore, sh.ShardID, "begin")
		if err != nil {
			return groups, fmt.Errorf("shard %d: cursor: %w", sh.ShardID, consumer.OneLine(err))
		}
		lgl, _, err := cl.PullLogsWithQuery(&sls.PullLogRequest{Project: cfg.Project, Logstore: cfg.Logstore,
			ShardID: sh.ShardID, Cursor: cur, LogGroupMaxCount: min(n, 1000), CompressType: sls.Compress_LZ4})
		if err != nil {
			return groups, fmt.Errorf("shard %d: pull: %w", sh.ShardID, consumer.OneLine(err))
		}
		for _, g := range consumer.Groups(lgl) {
			groups = append(groups, g)
			got += len(g.Logs)
		}
	}
	return groups, nil
}

// readRecordFile reads up to n JSON records, one object per line, from path ("-": standard input). Members keep
// their order; every value must be a string, except __time__, which may be a number.
func readRecordFile(path string, n int) ([]record.Group, error) {
	f := os.Stdin
	if path != "-" {
		var err error
		if f, err = os.Open(path); err != nil {
			return nil, err
		}
		defer f.Close()
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	var groups []record.Group
	for line := 1; sc.Scan() && len(groups) < n; line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		g, err := parseRecord(sc.Bytes())
		if err != nil {
			return groups, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		groups = append(groups, g)
	}
	return groups, sc.Err()
}

// parseRecord turns one JSON object into a log group of one log.
func parseRecord(b []byte) (record.Group, error) {
	var g record.Group
	l := record.Log{}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return g, errors.New("not a JSON object")
	}
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return g, err
		}
		k := kt.(string)
		vt, err := d.Token()
		if err != nil {
			return g, err
		}
		var v string
		switch x := vt.(type) {
		case string:
			v = x
		case json.Number:
			v = x.String()
		default:
			return g, fmt.Errorf("%s: values must be strings or numbers", k)
		}
		switch k {
		case "__topic__":
			g.Topic = v
		case "__source__":
			g.Source = v
		case "__time__":
			sec, err := strconv.ParseFloat(v, 64)
			if err != nil || sec < 0 || sec > math.MaxUint32 {
				return g, fmt.Errorf("__time__ %q is not unix seconds", v)
			}
			l.Time, l.TimeNs = uint32(sec), uint32((sec-math.Floor(sec))*1e9)
		default:
			l.Contents = append(l.Contents, record.Field{Key: k, Value: v})
		}
	}
	g.Logs = []record.Log{l}
	return g, nil
}
