package consumer

import (
	"fmt"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// kitLogger routes the SDK consumer library's go-kit logs into zap. The library logs routine events (every
// heartbeat, every shard start) at info, so its info becomes our debug; its warnings and errors keep their level.
type kitLogger struct{ z *zap.Logger }

func (k kitLogger) Log(keyvals ...interface{}) error {
	lvl := zapcore.DebugLevel
	msg := "sls consumer library"
	fields := make([]zap.Field, 0, len(keyvals)/2)
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
			msg = "sls: " + fmt.Sprint(val)
		default:
			if err, ok := val.(error); ok {
				fields = append(fields, zap.NamedError(key, err))
			} else {
				fields = append(fields, zap.Any(key, val))
			}
		}
	}
	if ce := k.z.Check(lvl, msg); ce != nil {
		ce.Write(fields...)
	}
	return nil
}
