package hecemu_test

import (
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/siemship/siemship/internal/testgear/hecemu"
)

func TestRequestLog(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s := newServer(hecemu.Options{Logger: zap.New(core)})
	url, hc := start(t, s)
	expect(t, mustSend(t, hc, url, req{token: tokIdx, body: `{"event":"x","index":"main"}`}), 400, hecemu.CodeIncorrectIndex)
	s.DropConnections(1)
	// A POST: Go's client would retry an idempotent GET on a reused connection.
	if _, err := send(t, hc, url, req{path: hecemu.PathAck, token: tokAck, channel: chanA, body: pollBody(0)}); err == nil {
		t.Fatal("dropped request answered")
	}
	entries := logs.FilterMessage("request").AllUntimed()
	if len(entries) != 2 {
		t.Fatalf("%d request log lines", len(entries))
	}
	first, second := entries[0].ContextMap(), entries[1].ContextMap()
	if first["endpoint"] != "event" || first["status"] != int64(400) || first["code"] != int64(7) || first["request"] != int64(1) {
		t.Fatalf("first line %v", first)
	}
	if second["endpoint"] != "ack" || second["fault"] != "connection dropped" {
		t.Fatalf("second line %v", second)
	}
	if logs.FilterMessage("hec emulator listening").Len() != 1 {
		t.Fatal("no start line")
	}
}
