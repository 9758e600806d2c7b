// Package message holds what passes from an encoder to a sink: a Batch of framed messages and the Framing a sink
// asks its encoder for. Encoders write each frame in place, framing included, so a batch reaches the sink without
// another copy; the sink decides which framing its transport needs (Sink.Framing in the pipeline).
package message
