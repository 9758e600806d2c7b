package pipeline

import (
	"context"

	"github.com/siemship/siemship/internal/message"
	"github.com/siemship/siemship/internal/sink"
)

// sinkBase gives a test sink the Sink methods the pipeline does not call; the test sink adds Send.
type sinkBase struct{}

func (sinkBase) Start(context.Context) error    { return nil }
func (sinkBase) Shutdown(context.Context) error { return nil }
func (sinkBase) Check(context.Context) error    { return nil }
func (sinkBase) Framing() message.Framing       { return message.FramingLF }
func (sinkBase) Addr() string                   { return "test" }
func (sinkBase) Stats() sink.Stats              { return sink.Stats{} }
func (sinkBase) Health() sink.Health            { return sink.Health{} }
