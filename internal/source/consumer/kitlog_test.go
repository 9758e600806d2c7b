package consumer

import (
	"errors"
	"fmt"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestKitLoggerLevels(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	k := kitLogger{z: zap.New(core)}
	tests := []struct {
		level string
		want  zapcore.Level
	}{{"info", zapcore.DebugLevel}, {"debug", zapcore.DebugLevel}, {"warn", zapcore.WarnLevel}, {"error", zapcore.ErrorLevel}}
	for _, tt := range tests {
		_ = k.Log("level", tt.level, "msg", "hello", "shard", 3, "err", errors.New("boom"))
		e := logs.TakeAll()
		if len(e) != 1 || e[0].Level != tt.want || e[0].Message != "sls: hello" {
			t.Fatalf("level %s: got %+v", tt.level, e)
		}
		ctx := e[0].ContextMap()
		if ctx["shard"] != int64(3) || ctx["err"] != "boom" {
			t.Fatalf("fields %v", ctx)
		}
	}
}

func TestEndpointIP(t *testing.T) {
	tests := map[string]bool{
		"127.0.0.1:8080": true, "http://127.0.0.1:8080": true, "10.1.2.3": true, "[::1]:80": true,
		"cn-hangzhou.log.aliyuncs.com": false, "https://cn-hangzhou.log.aliyuncs.com": false, "sls.emu.invalid:80": false,
	}
	for ep, want := range tests {
		if got := isIPEndpoint(ep); got != want {
			t.Errorf("isIPEndpoint(%q) = %v, want %v", ep, got, want)
		}
	}
}

func TestKitLoggerQuietsOwnShutdown(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	k := kitLogger{z: zap.New(core)}
	_ = k.Log("level", "error", "msg", "process func returns an error", "err", fmt.Errorf("shard 1: %w", ErrStopping))
	_ = k.Log("level", "warn", "msg", shutdownQuitMsg)
	_ = k.Log("level", "error", "msg", "process func returns an error", "err", errors.New("other"))
	e := logs.TakeAll()
	if len(e) != 3 || e[0].Level != zapcore.DebugLevel || e[1].Level != zapcore.DebugLevel || e[2].Level != zapcore.ErrorLevel {
		t.Fatalf("levels: %+v", e)
	}
}
