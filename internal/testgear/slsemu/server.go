package slsemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	sls "github.com/aliyun/aliyun-log-go-sdk"
	"go.uber.org/zap"
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// Logger receives one debug line per request and lifecycle messages. Nil means no logging.
	Logger *zap.Logger
	// Now is the clock used for receive times, retention and consumer-group timeouts. Nil means time.Now.
	// Request signatures are always checked against the wall clock, because that is what the SDKs sign with.
	Now func() time.Time
	// AllowAnonymous accepts unsigned requests (the SDKs' AuthV0).
	AllowAnonymous bool
	// MaxClockSkew is the largest accepted difference between a request's Date (or x-log-date) and the wall
	// clock: 0 means 15 minutes, a negative value disables the check.
	MaxClockSkew time.Duration
	// Spelling chooses how ConsumerNotExist and ShardNotExist are spelled in consumer-group errors.
	Spelling Spelling
	// RecordsPerGroup is the number of records per generated log group (default 10).
	RecordsPerGroup int
	// Seed makes generated data reproducible (default 1).
	Seed uint64
	// MaxBodyBytes bounds request bodies and the decompressed size of PutLogs bodies (default 32 MiB).
	MaxBodyBytes int
}

// AnyShard asks Put to choose a read-write shard, as PutLogs without a hash key does.
const AnyShard = -1

// Server is an in-memory SLS endpoint. All methods are safe for concurrent use.
type Server struct {
	o     Options
	log   *zap.Logger
	now   func() time.Time
	codec *codec

	mu        sync.RWMutex
	projects  map[string]map[string]*logstore
	keys      map[string]credential
	url       string
	srv       *http.Server
	serveDone chan struct{}
	producers []context.CancelFunc
	prodWG    sync.WaitGroup
	closed    bool // Shutdown was called: no new producers

	faults   faults
	counters counters
	spelling atomic.Int32
	reqSeq   atomic.Uint64
}

// New returns a server with no projects, no keys and no listener.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxClockSkew == 0 {
		o.MaxClockSkew = 15 * time.Minute
	}
	if o.RecordsPerGroup <= 0 {
		o.RecordsPerGroup = 10
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 32 << 20
	}
	c, err := newCodec(o.MaxBodyBytes)
	if err != nil {
		panic(fmt.Sprintf("slsemu: %v", err)) // only fails on invalid static options
	}
	s := &Server{
		o:        o,
		log:      o.Logger,
		now:      o.Now,
		codec:    c,
		projects: map[string]map[string]*logstore{},
		keys:     map[string]credential{},
	}
	s.faults.init()
	s.counters.init()
	s.spelling.Store(int32(o.Spelling))
	return s
}

// AddProject creates a project if it does not exist yet.
func (s *Server) AddProject(name string) error {
	if err := projectRule.check(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.projects[name] == nil {
		s.projects[name] = map[string]*logstore{}
	}
	return nil
}

// AddLogstore creates a logstore with the given number of shards (IDs 0..shards-1) and retention (0: forever),
// creating the project too if needed.
func (s *Server) AddLogstore(project, logstore string, shards int, ttl time.Duration) error {
	if err := logstoreRule.check(logstore); err != nil {
		return err
	}
	if shards < 1 || shards > 256 {
		return fmt.Errorf("logstore %s: shards must be between 1 and 256, got %d", logstore, shards)
	}
	if ttl < 0 {
		return fmt.Errorf("logstore %s: negative retention", logstore)
	}
	if err := s.AddProject(project); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.projects[project][logstore] != nil {
		return fmt.Errorf("logstore %s/%s already exists", project, logstore)
	}
	s.projects[project][logstore] = newLogstore(project, logstore, shards, ttl, s.now(), s.o.Seed)
	return nil
}

func (s *Server) lookup(project, logstore string) (*logstore, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.projects[project]
	if !ok {
		return nil, fmt.Errorf("project %q: %w", project, ErrNotFound)
	}
	ls, ok := p[logstore]
	if !ok {
		return nil, fmt.Errorf("logstore %s/%s: %w", project, logstore, ErrNotFound)
	}
	return ls, nil
}

func (s *Server) logstores() []*logstore {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*logstore
	for _, p := range s.projects {
		for _, ls := range p {
			out = append(out, ls)
		}
	}
	slices.SortFunc(out, func(a, b *logstore) int {
		if a.project != b.project {
			if a.project < b.project {
				return -1
			}
			return 1
		}
		if a.name < b.name {
			return -1
		}
		if a.name > b.name {
			return 1
		}
		return 0
	})
	return out
}

// ErrNotFound is wrapped by Go API errors about an unknown project, logstore, shard, group or consumer.
var ErrNotFound = errors.New("not found")

// Start listens on addr (e.g. 127.0.0.1:0) and serves in the background. It returns the base URL,
// http://127.0.0.1:PORT, once the listener accepts connections.
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return "", errors.New("slsemu: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen %s: %w", addr, err)
	}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		ErrorLog:          zap.NewStdLog(s.log.Named("http")),
	}
	s.url = "http://" + ln.Addr().String()
	s.serveDone = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", zap.Error(err))
		}
	}(s.srv, s.serveDone)
	s.log.Info("sls emulator listening", zap.String("url", s.url))
	return s.url, nil
}

// URL returns the base URL after Start, or "".
func (s *Server) URL() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.url
}

// Shutdown stops the producers and the listener, waiting for in-flight requests until ctx ends, then closes the
// remaining connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	producers := s.producers
	s.producers = nil
	s.closed = true
	srv, done := s.srv, s.serveDone
	s.mu.Unlock()
	for _, cancel := range producers {
		cancel()
	}
	s.prodWG.Wait()
	var err error
	if srv != nil {
		if err = srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
			err = fmt.Errorf("shutdown: %w", err)
		}
		<-done
	}
	s.codec.close()
	return err
}

// Put stores log groups in a shard (AnyShard: a read-write shard chosen round robin) as PutLogs does, and returns
// the cursor of the first stored group.
func (s *Server) Put(project, logstore string, shardID int, groups ...*sls.LogGroup) (string, error) {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return "", err
	}
	stored := make([]storedGroup, 0, len(groups))
	for _, g := range groups {
		b, err := g.Marshal()
		if err != nil {
			return "", fmt.Errorf("marshal log group: %w", err)
		}
		stored = append(stored, storedGroup{framed: frameGroup(b), logs: int32(len(g.Logs))})
	}
	var sh *shard
	if shardID == AnyShard {
		sh, err = ls.pick("")
	} else if sh2, ok := ls.shard(shardID); ok {
		sh = sh2
	} else {
		err = fmt.Errorf("shard %d: %w", shardID, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	first, err := sh.append(s.now(), stored)
	if err != nil {
		return "", fmt.Errorf("shard %d: %w", sh.id, err)
	}
	return EncodeCursor(first), nil
}

// Generate adds n generated audit records to the logstore, in log groups of Options.RecordsPerGroup records spread
// round robin over the read-write shards, and pre-compresses every complete window so that serving them is cheap.
func (s *Server) Generate(project, logstore string, n int) error {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return err
	}
	if n <= 0 {
		return nil
	}
	return s.generate(ls, n)
}

func (s *Server) generate(ls *logstore, n int) error {
	now := s.now()
	groups := ls.gen.groups(n, s.o.RecordsPerGroup, now)
	rw := ls.writable()
	if len(rw) == 0 {
		return errNoWritable
	}
	per := make([][]storedGroup, len(rw))
	start := int(ls.rr.Add(uint64(len(groups))) - uint64(len(groups)))
	for i, g := range groups {
		k := (start + i) % len(rw)
		per[k] = append(per[k], g)
	}
	for i, sh := range rw {
		if len(per[i]) == 0 {
			continue
		}
		if _, err := sh.append(now, per[i]); err != nil {
			return fmt.Errorf("shard %d: %w", sh.id, err)
		}
		s.precompress(sh)
	}
	return nil
}

// precompress builds the lz4 body of every complete window of the shard that has none yet.
func (s *Server) precompress(sh *shard) {
	for _, idx := range sh.completeWindows() {
		if g := sh.groupsOf(idx); g != nil {
			sh.window(idx).body(s.codec, compressLZ4, g)
		}
	}
}

// StartProducer keeps adding generated records to the logstore at perSecond records per second until Shutdown.
func (s *Server) StartProducer(project, logstore string, perSecond float64) error {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return err
	}
	if perSecond <= 0 {
		return fmt.Errorf("producer rate must be positive, got %v", perSecond)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		cancel()
		return errors.New("slsemu: server is shut down")
	}
	s.producers = append(s.producers, cancel)
	s.prodWG.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.prodWG.Done()
		s.produce(ctx, ls, perSecond)
	}()
	return nil
}

func (s *Server) produce(ctx context.Context, ls *logstore, perSecond float64) {
	const tick = 100 * time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	owed := 0.0
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			owed += perSecond * now.Sub(last).Seconds()
			last = now
			if n := int(owed); n > 0 {
				owed -= float64(n)
				if err := s.generate(ls, n); err != nil {
					s.log.Warn("producer stopped", zap.String("logstore", ls.name), zap.Error(err))
					return
				}
			}
		}
	}
}

// Split makes the shard read-only and adds two read-write children (IDs max+1 and max+2) that share its key
// range. It returns the children's IDs.
func (s *Server) Split(project, logstore string, shardID int) ([]int, error) {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return nil, err
	}
	out, err := ls.split(shardID, nil, s.now())
	if err != nil {
		if errors.Is(err, errShardNotExist) {
			return nil, fmt.Errorf("shard %d: %w", shardID, ErrNotFound)
		}
		return nil, fmt.Errorf("split shard %d: %w", shardID, err)
	}
	return []int{out[1].id, out[2].id}, nil
}

// Expire drops the data received before before (as retention does) and returns the number of log groups
// dropped. Their cursors give InvalidCursor from then on.
func (s *Server) Expire(project, logstore string, before time.Time) (int, error) {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return 0, err
	}
	return ls.expire(s.now(), before), nil
}

// ForgetConsumer removes a consumer from a group at once, as if its heartbeats had timed out.
func (s *Server) ForgetConsumer(project, logstore, group, consumer string) error {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return err
	}
	g, ok := ls.group(group)
	if !ok {
		return fmt.Errorf("consumer group %s: %w", group, ErrNotFound)
	}
	g.Forget(consumer)
	return nil
}

// DeleteGroup deletes a consumer group with its consumers and checkpoints, as DeleteConsumerGroup does, e.g. to
// delete it under a running consumer.
func (s *Server) DeleteGroup(project, logstore, group string) error {
	ls, err := s.lookup(project, logstore)
	if err != nil {
		return err
	}
	if !ls.deleteGroup(group) {
		return fmt.Errorf("consumer group %s: %w", group, ErrNotFound)
	}
	return nil
}

// SetSpelling chooses how consumer-group errors spell ConsumerNotExist and ShardNotExist.
func (s *Server) SetSpelling(sp Spelling) { s.spelling.Store(int32(sp)) }

// Spelling of the consumer-group error codes the Go SDK matches with typos.
type Spelling int

const (
	// SpellingTypo sends ConsumerNotExsit and ShardNotExsit, the spellings the Go consumer library matches.
	SpellingTypo Spelling = iota
	// SpellingCorrect sends ConsumerNotExist and ShardNotExist.
	SpellingCorrect
)

func (sp Spelling) consumerNotExist() string {
	if sp == SpellingCorrect {
		return "ConsumerNotExist"
	}
	return "ConsumerNotExsit"
}

func (sp Spelling) shardNotExist() string {
	if sp == SpellingCorrect {
		return "ShardNotExist"
	}
	return "ShardNotExsit"
}

func (sp Spelling) String() string {
	if sp == SpellingCorrect {
		return "correct"
	}
	return "typo"
}
