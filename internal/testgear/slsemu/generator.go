package slsemu

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// generator produces realistic audit records (modelled on ActionTrail events). Every record carries a decimal seq
// field, unique and consecutive across the logstore, so that tests can count loss and duplicates.
type generator struct {
	mu   sync.Mutex
	rng  *rand.Rand
	seq  uint64 // last seq handed out
	pack uint64
	id   uint64 // per-logstore prefix of pack ids
}

func (g *generator) init(seed uint64, project, logstore string) {
	h := fnv.New64a()
	h.Write([]byte(project + "/" + logstore))
	g.id = h.Sum64()
	g.rng = rand.New(rand.NewPCG(seed, g.id))
}

// generated returns the number of records generated so far (the last seq).
func (g *generator) generated() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seq
}

var (
	genEvents = []struct{ name, service, kind string }{
		{"ConsoleSignin", "AasSub", "ConsoleSignin"},
		{"CreateInstance", "Ecs", "ApiCall"},
		{"DeleteInstance", "Ecs", "ApiCall"},
		{"DescribeInstances", "Ecs", "ApiCall"},
		{"StopInstance", "Ecs", "ApiCall"},
		{"AuthorizeSecurityGroup", "Ecs", "ApiCall"},
		{"PutObject", "Oss", "ApiCall"},
		{"GetObject", "Oss", "ApiCall"},
		{"DeleteBucket", "Oss", "ApiCall"},
		{"CreateAccessKey", "Ram", "ApiCall"},
		{"AttachPolicyToUser", "Ram", "ApiCall"},
		{"CreateUser", "Ram", "ApiCall"},
		{"ListUsers", "Ram", "ApiCall"},
		{"GetLogStoreLogs", "Sls", "ApiCall"},
		{"CreateVpc", "Vpc", "ApiCall"},
	}
	genRegions    = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-southeast-1", "eu-central-1", "us-west-1"}
	genIdentities = []string{"ram-user", "root-account", "assumed-role"}
	genUsers      = []string{"alice", "bob", "carol", "deploy-bot", "ops-admin", "audit-reader", "ci-runner"}
	genAgents     = []string{
		"aliyun-cli/3.0.204",
		"Go-http-client/1.1 aliyun-sdk-go/1.62.580",
		"Terraform/1.8.5 terraform-provider-alicloud/1.226.0",
		"python-requests/2.31.0 alibabacloud-python-sdk",
		"Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36",
	}
	genErrors = []string{"Forbidden.RAM", "InvalidParameter", "Throttling.User", "EntityNotExist.User"}
)

const hexDigits = "0123456789abcdef"

func (g *generator) uuid(buf []byte) string {
	a, b := g.rng.Uint64(), g.rng.Uint64()
	buf = buf[:0]
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			buf = append(buf, '-')
		}
		v := a
		if i >= 16 {
			v = b
		}
		buf = append(buf, hexDigits[(v>>(uint(i%16)*4))&0xf])
	}
	return string(buf)
}

func (g *generator) ip() string {
	return fmt.Sprintf("%d.%d.%d.%d", 11+g.rng.IntN(200), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// record returns the contents of one record: 8 to 15 fields, about 300 bytes encoded.
func (g *generator) record(seq uint64, now time.Time, fields []field, scratch []byte) []field {
	ev := pick(g.rng, genEvents)
	fields = append(fields[:0],
		field{"seq", strconv.FormatUint(seq, 10)},
		field{"eventName", ev.name},
		field{"eventTime", now.UTC().Format(time.RFC3339)},
		field{"eventType", ev.kind},
		field{"serviceName", ev.service},
		field{"acsRegion", pick(g.rng, genRegions)},
		field{"sourceIpAddress", g.ip()},
		field{"userIdentity.type", pick(g.rng, genIdentities)},
	)
	extra := g.rng.IntN(8) // 0..7 more fields: 8..15 in all
	optional := [...]func() field{
		func() field { return field{"eventVersion", "1"} },
		func() field {
			if g.rng.IntN(10) == 0 {
				return field{"errorCode", pick(g.rng, genErrors)}
			}
			return field{"result", "success"}
		},
		func() field { return field{"userIdentity.userName", pick(g.rng, genUsers)} },
		func() field { return field{"eventId", g.uuid(scratch)} },
		func() field {
			return field{"userIdentity.accountId", strconv.FormatUint(1000000000000000+g.rng.Uint64N(9000000000000000), 10)}
		},
		func() field { return field{"requestId", g.uuid(scratch)} },
		func() field { return field{"userAgent", pick(g.rng, genAgents)} },
	}
	for i := range extra {
		fields = append(fields, optional[i]())
	}
	return fields
}

// groups generates n records in log groups of up to perGroup records each.
func (g *generator) groups(n, perGroup int, now time.Time) []storedGroup {
	g.mu.Lock()
	defer g.mu.Unlock()
	if perGroup <= 0 {
		perGroup = 10
	}
	sec, nsec := uint32(now.Unix()), uint32(now.Nanosecond())
	out := make([]storedGroup, 0, (n+perGroup-1)/perGroup)
	var fields []field
	scratch := make([]byte, 0, 40)
	for n > 0 {
		k := min(n, perGroup)
		n -= k
		buf := make([]byte, 0, k*340+160)
		for range k {
			g.seq++
			fields = g.record(g.seq, now, fields, scratch)
			buf = appendLog(buf, sec, nsec, fields)
		}
		g.pack++
		host := g.rng.IntN(16)
		buf = appendGroupTrailer(buf, "actiontrail_audit_event", fmt.Sprintf("10.17.%d.%d", host/8, 10+host), []field{
			{"__hostname__", fmt.Sprintf("audit-collector-%02d", host)},
			{"__pack_id__", fmt.Sprintf("%016X-%X", g.id, g.pack)},
			{"__receive_time__", strconv.FormatInt(now.Unix(), 10)},
		})
		out = append(out, storedGroup{framed: frameGroup(buf), logs: int32(k)})
	}
	return out
}

// GeneratedList returns n generated records, in log groups of perGroup records (default 10), serialized as the
// LogGroupList a PullLogs response decompresses to: the records Generate stores, for benchmarks that measure a
// stage on them without a server. The same seed gives the same records.
func GeneratedList(n, perGroup int, seed uint64) []byte {
	var g generator
	g.init(seed, "bench", "generated")
	var raw []byte
	for _, sg := range g.groups(n, perGroup, time.Unix(1_700_000_000, 123_456_789)) {
		raw = append(raw, sg.framed...)
	}
	return raw
}
