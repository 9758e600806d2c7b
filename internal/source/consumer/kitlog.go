package consumer

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// kitLogger routes the SDK consumer library's go-kit logs into zap. The library logs routine events (every
// heartbeat, every shard start) at info, so its info becomes our debug; its warnings and errors keep their level.
type kitLogger struct{ z *zap.Logger }

// shutdownQuitMsg is what the library logs when Process failed while its shard worker stops; with ErrStopping
// that is our deliberate abandoning of a batch that will be pulled again, not a failure.
const shutdownQuitMsg = "shutting down and last process failed, just quit"

func (k kitLogger) Log(keyvals ...interface{}) error {
	lvl := zapcore.DebugLevel
	msg := "sls consumer library"
	fields := make([]zap.Field, 0, len(keyvals)/2)
	quiet := false // an expected event of our own shutdown, logged by the library as a failure
	for i := 0; i+1 < len(keyvals); i += 2 {
		key := fmt.Sprint(keyvals[i])
		val := keyvals[i+1]
		switch key {
		case "level":
			switch fmt.Sprint(val) {
			case "warn":
				lvl = zapcore.WarnLevel
			case "error":
				lvl = zapcore.ErrorLevel
			}
		case "msg":
			m := fmt.Sprint(val)
			msg = "sls: " + m
			if m == shutdownQuitMsg {
				quiet = true
			}
		default:
			if err, ok := val.(error); ok {
				if errors.Is(err, ErrStopping) || errors.Is(err, errNoSlot) { // our shutdown, our backpressure
					quiet = true
				}
				fields = append(fields, zap.NamedError(key, OneLine(err))) // the SDK's errors are multi-line JSON
			} else {
				fields = append(fields, zap.Any(key, val))
			}
		}
	}
	if quiet {
		lvl = zapcore.DebugLevel
	}
	if ce := k.z.Check(lvl, msg); ce != nil {
		ce.Write(fields...)
	}
	return nil
}
