package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"

	"github.com/siemship/siemship/internal/app"
	"github.com/siemship/siemship/internal/config"
	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/output"
	"github.com/siemship/siemship/internal/source/consumer"
	"github.com/siemship/siemship/internal/testgear/hecemu"
	"github.com/siemship/siemship/internal/testgear/ledger"
	"github.com/siemship/siemship/internal/testgear/slsemu"
	"github.com/siemship/siemship/internal/testgear/syslogrecv"
)

const (
	inProcessShipper = "whole process: shipper + emulator + receiver"
	childShipper     = "shipper child process only"
)

// pullOnly measures the pull-only limit.
func (r *run) pullOnly(ctx context.Context) (*Phase, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	env := r.env("bench-pull", "127.0.0.1:9") // the syslog settings are required but unused
	firstPull := r.watchFirstPull(ctx)
	p := &Phase{Name: "pull only"}
	before := selfUsage()
	start := time.Now()
	var res PullResult
	if r.o.Exe == "" {
		cfg, err := loadConfig(env)
		if err != nil {
			return nil, err
		}
		res, err = Pull(ctx, cfg, uint64(r.o.Records), r.log.Named("pull"))
		if err != nil {
			return nil, err
		}
		u := selfUsage()
		p.Shipper = inProcessShipper
		p.CPUSeconds = (u.cpu - before.cpu).Seconds()
		p.PeakRSSMiB = float64(peakRSSKiB()) / 1024
	} else {
		ch, err := r.startChild("pull", env, "")
		if err != nil {
			return nil, err
		}
		cu, err := ch.wait(ctx)
		if err != nil {
			return nil, err
		}
		var cr ChildResult
		if err := ch.result(&cr); err != nil {
			return nil, err
		}
		if cr.Pull == nil {
			return nil, fmt.Errorf("bench: pull child printed no result")
		}
		res = *cr.Pull
		p.Shipper = childShipper
		p.CPUSeconds = cu.cpu.Seconds()
		p.PeakRSSMiB = float64(cr.PeakRSSKiB) / 1024
		p.EnvCPUSeconds = (selfUsage().cpu - before.cpu).Seconds()
	}
	if res.Last.IsZero() {
		return nil, fmt.Errorf("bench: pull only: %d of %d records pulled", res.Records, r.o.Records)
	}
	p.DrainSeconds = res.Last.Sub(start).Seconds()
	t0 := firstPull()
	if t0.IsZero() {
		t0 = res.Start
	}
	p.RateSeconds = res.Last.Sub(t0).Seconds()
	p.finish(res.Records, r.avgRaw, 0)
	return p, nil
}

// sendOnly measures the send-only limit: one real batch, encoded once, written again and again by as many
// senders as there are connections.
func (r *run) sendOnly(ctx context.Context) (*Phase, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	var recv *syslogrecv.Receiver
	addr := r.o.Target
	if addr == "" {
		var err error
		if recv, err = r.listen(nil); err != nil {
			return nil, err
		}
		defer recv.Close()
		addr = recv.Addr()
	}
	cfg, err := loadConfig(r.env("bench-send", addr))
	if err != nil {
		return nil, err
	}
	client, err := output.NewSink(cfg, r.log)
	if err != nil {
		return nil, fmt.Errorf("bench: send only: %w", err)
	}
	defer client.Close()
	b, err := r.sampleBatch(cfg, client.Framing())
	if err != nil {
		return nil, err
	}
	// Connect every connection outside the measurement.
	var warm sync.WaitGroup
	warmErr := make(chan error, r.o.Connections)
	for range r.o.Connections {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if err := client.Send(ctx, b); err != nil {
				warmErr <- err
			}
		}()
	}
	warm.Wait()
	close(warmErr)
	if err := <-warmErr; err != nil {
		return nil, fmt.Errorf("bench: send only: %w", err)
	}
	frames := uint64(b.Len())
	batches := (uint64(r.o.Records) + frames - 1) / frames
	records := batches * frames
	var base, baseBytes uint64
	if recv != nil {
		want := uint64(r.o.Connections) * frames
		for recv.Count() < want && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		base, baseBytes = recv.Count(), recv.Bytes()
	}

	before := selfUsage()
	start := time.Now()
	var next atomic.Uint64
	var wg sync.WaitGroup
	sendErr := make(chan error, r.o.Connections)
	for range r.o.Connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= batches {
				if err := client.Send(ctx, b); err != nil {
					sendErr <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(sendErr)
	if err := <-sendErr; err != nil {
		return nil, fmt.Errorf("bench: send only: %w", err)
	}
	p := &Phase{Name: "send only", Shipper: "whole process: sender + receiver (frames encoded beforehand)"}
	var syslogBytes uint64
	if recv != nil {
		for recv.Count()-base < records {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("bench: send only: receiver counted %d of %d: %w", recv.Count()-base, records, ctx.Err())
			}
			time.Sleep(200 * time.Microsecond)
		}
		syslogBytes = recv.Bytes() - baseBytes
	} else {
		p.Shipper = "sender process (written to the socket; the external receiver's pace is not awaited)"
	}
	p.DrainSeconds = time.Since(start).Seconds()
	p.CPUSeconds = (selfUsage().cpu - before.cpu).Seconds()
	p.finish(records, r.avgRaw, syslogBytes)
	return p, nil
}

// endToEnd measures siemship from the emulator to the receiver.
func (r *run) endToEnd(ctx context.Context) (*Phase, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	n := uint64(r.o.Records)
	led := ledger.NewKey(ledger.KeyFromEnv(r.o.Env))
	var got atomic.Uint64
	var fullAt atomic.Int64
	var recv *syslogrecv.Receiver
	addr := r.o.Target
	var hecEnv []string
	var hec *hecemu.Server
	if r.o.HEC {
		hec = hecemu.New(hecemu.Options{CountOnly: true, Logger: r.log.Named("hec")})
		hec.AddToken(benchHECToken, hecemu.Token{Ack: true})
		u, err := hec.Start(ctx, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("bench: hec emulator: %w", err)
		}
		defer hec.Shutdown(context.Background()) //nolint:errcheck // the run is over
		hecEnv = []string{"SIEMSHIP_OUTPUT=hec", "HEC_URL=" + u, "HEC_TOKEN=" + benchHECToken, "HEC_ACK=on"}
		addr = "127.0.0.1:9" // SYSLOG_HOST, unused with hec
	}
	if addr == "" {
		var err error
		recv, err = r.listen(func(msg []byte) {
			led.Observe(msg)
			if got.Add(1) == n {
				fullAt.Store(time.Now().UnixNano())
			}
		})
		if err != nil {
			return nil, err
		}
		defer recv.Close()
		addr = recv.Addr()
	}
	const group = "bench-e2e"
	env := append(r.env(group, addr), hecEnv...)
	cfg, err := loadConfig(env)
	if err != nil {
		return nil, err
	}
	firstPull := r.watchFirstPull(ctx)
	p := &Phase{Name: "end to end"}

	before := selfUsage()
	start := time.Now()
	var ch *child
	shipDone := make(chan error, 1)
	stopShip := func() {}
	if r.o.Exe == "" {
		if path := r.profilePath(); path != "" {
			f, err := os.Create(path)
			if err != nil {
				return nil, fmt.Errorf("bench: %w", err)
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return nil, fmt.Errorf("bench: %w", err)
			}
			defer pprof.StopCPUProfile()
		}
		sctx, scancel := context.WithCancel(ctx)
		stopShip = scancel
		go func() { shipDone <- Ship(sctx, cfg, r.log.Named("shipper")) }()
	} else {
		if ch, err = r.startChild("e2e", env, r.profilePath()); err != nil {
			return nil, err
		}
		go func() { shipDone <- ch.exited() }()
		stopShip = ch.terminate
	}

	var doneAt time.Time
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var waitErr error
wait:
	for {
		select {
		case <-ctx.Done():
			waitErr = fmt.Errorf("bench: end to end: %w", ctx.Err())
			break wait
		case err := <-shipDone:
			shipDone <- err
			waitErr = fmt.Errorf("bench: end to end: shipper stopped early: %v", err)
			break wait
		case <-tick.C:
		}
		if recv != nil {
			// fullAt is stored just after got reaches n, by the receiver's goroutine: wait for it too.
			if got.Load() < n || led.Report().Unique < n || fullAt.Load() == 0 {
				continue
			}
			doneAt = time.Unix(0, fullAt.Load())
			if got.Load() > n { // duplicates: the last unique seq arrived later
				doneAt = time.Now()
			}
			break
		}
		if r.checkpointsDone(group) {
			doneAt = time.Now()
			break
		}
	}
	stopShip()
	shipErr := <-shipDone
	if waitErr != nil {
		return nil, waitErr
	}
	if shipErr != nil {
		return nil, fmt.Errorf("bench: end to end: %w", shipErr)
	}
	if ch != nil {
		cu := ch.usage()
		var cr ChildResult
		if err := ch.result(&cr); err != nil {
			return nil, err
		}
		p.Shipper = childShipper
		p.CPUSeconds = cu.cpu.Seconds()
		p.PeakRSSMiB = float64(cr.PeakRSSKiB) / 1024
		p.EnvCPUSeconds = (selfUsage().cpu - before.cpu).Seconds()
	} else {
		u := selfUsage()
		p.Shipper = inProcessShipper
		p.CPUSeconds = (u.cpu - before.cpu).Seconds()
		p.PeakRSSMiB = float64(peakRSSKiB()) / 1024
	}
	p.DrainSeconds = doneAt.Sub(start).Seconds()
	if t0 := firstPull(); !t0.IsZero() {
		p.RateSeconds = doneAt.Sub(t0).Seconds()
	}
	var syslogBytes uint64
	if hec != nil {
		c := uint64(hec.Count())
		p.Lost = n - min(c, n)
		p.Duplicates = c - min(c, n)
		p.Verified = p.Lost == 0
		syslogBytes = uint64(hec.Stats().BodyBytes)
	}
	if recv != nil {
		rep := led.Report()
		p.Duplicates = rep.Duplicates
		p.Lost = n - min(rep.Unique, n)
		p.Verified = p.Lost == 0
		syslogBytes = recv.Bytes()
	}
	p.finish(n, r.avgRaw, syslogBytes)
	return p, nil
}

// benchHECToken is the HEC emulator's token in the benchmark.
const benchHECToken = "00000000-0000-4000-8000-00000000b3c4"

// listen starts the built-in receiver for the run's protocol.
func (r *run) listen(h syslogrecv.Handler) (*syslogrecv.Receiver, error) {
	o := syslogrecv.Options{Protocol: r.o.Protocol, Logger: r.log.Named("receiver")}
	if r.o.Protocol == "tls" {
		o.TLS = r.certs.ServerConfig(false)
		o.TLS.MinVersion = tls.VersionTLS12
	}
	recv, err := syslogrecv.Listen(o, h)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	return recv, nil
}

// watchFirstPull returns a function giving the time the emulator saw the phase's first PullLogs request (zero if
// not yet seen). The emulator is polled every 2 ms until then.
func (r *run) watchFirstPull(ctx context.Context) func() time.Time {
	base := r.emu.Stats().Requests[slsemu.APIPullLogs]
	var at atomic.Int64
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if r.emu.Stats().Requests[slsemu.APIPullLogs] > base {
				at.Store(time.Now().UnixNano())
				return
			}
		}
	}()
	return func() time.Time {
		if v := at.Load(); v != 0 {
			return time.Unix(0, v)
		}
		return time.Time{}
	}
}

// checkpointsDone reports whether the group's checkpoint of every shard is at the shard's end.
func (r *run) checkpointsDone(group string) bool {
	ls := r.emu.Stats().Logstore(project, logstore)
	if ls == nil {
		return false
	}
	g := ls.Group(group)
	if g == nil {
		return false
	}
	for _, sh := range ls.Shards {
		if sh.LogGroups > 0 && g.Checkpoint(sh.ID) != sh.EndCursor {
			return false
		}
	}
	return true
}

// sampleBatch pulls the first batch of shard 0 through the SDK and encodes it as the shipper would.
func (r *run) sampleBatch(cfg *config.Config, framing message.Framing) (*message.Batch, error) {
	c, err := consumer.New(app.ConsumerOptions(cfg, r.log), consumer.BatchHandlerFunc(
		func(context.Context, *consumer.Batch) error { return nil }))
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	cl := c.Client()
	cur, err := cl.GetCursor(project, logstore, 0, "begin")
	if err != nil {
		return nil, fmt.Errorf("bench: sample batch: %w", err)
	}
	lgl, _, err := cl.PullLogsWithQuery(&sls.PullLogRequest{Project: project, Logstore: logstore, ShardID: 0,
		Cursor: cur, LogGroupMaxCount: r.o.MaxFetchLogGroups, CompressType: sls.Compress_LZ4})
	if err != nil {
		return nil, fmt.Errorf("bench: sample batch: %w", err)
	}
	enc, _, err := output.NewEncoder(cfg, framing)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	b := &message.Batch{}
	var scratch message.Scratch
	groups := consumer.Groups(lgl)
	for gi := range groups {
		enc.AppendGroup(b, &groups[gi], nil, &scratch)
	}
	if b.Len() == 0 {
		return nil, fmt.Errorf("bench: sample batch: shard 0 is empty")
	}
	return b, nil
}
