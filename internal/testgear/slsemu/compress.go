package slsemu

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Compression types as named in the x-log-compresstype header.
const (
	compressLZ4     = "lz4"
	compressZSTD    = "zstd"
	compressDeflate = "deflate"
)

// codec compresses PullLogs bodies and decompresses PutLogs bodies. Safe for concurrent use.
type codec struct {
	zenc   *zstd.Encoder
	zdec   *zstd.Decoder
	maxRaw int
}

func newCodec(maxRaw int) (*codec, error) {
	zenc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(2))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	zdec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(2), zstd.WithDecoderMaxMemory(uint64(maxRaw)))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &codec{zenc: zenc, zdec: zdec, maxRaw: maxRaw}, nil
}

func (c *codec) close() { c.zdec.Close() }

// compress encodes raw with the named type (lz4 raw block or zstd frame) into a new slice.
func (c *codec) compress(typ string, raw []byte) []byte {
	return c.compressTo(typ, raw, nil)
}

// compressTo encodes raw with the named type, reusing dst's storage when it is large enough.
func (c *codec) compressTo(typ string, raw, dst []byte) []byte {
	if typ == compressZSTD {
		if dst == nil {
			dst = make([]byte, 0, len(raw)/3+64)
		}
		return c.zenc.EncodeAll(raw, dst[:0])
	}
	bound := lz4.CompressBlockBound(len(raw))
	if cap(dst) < bound {
		dst = make([]byte, bound)
	}
	dst = dst[:bound]
	n, err := lz4.CompressBlock(raw, dst, nil)
	if err != nil || n == 0 {
		// Cannot happen with a buffer of CompressBlockBound size; fall back to a literal-only block.
		return lz4Literals(raw)
	}
	return dst[:n]
}

// bufPool recycles the buffers of uncached PullLogs responses.
var bufPool sync.Pool

func getBuf() *[]byte {
	if b, ok := bufPool.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

// putBuf returns b to the pool, keeping buf's (possibly grown) storage; very large buffers are dropped.
func putBuf(b *[]byte, buf []byte) {
	if cap(buf) > 64<<20 {
		return
	}
	*b = buf[:0]
	bufPool.Put(b)
}

// lz4Literals encodes src as one lz4 block made only of literals.
func lz4Literals(src []byte) []byte {
	out := make([]byte, 0, len(src)+len(src)/255+16)
	l := len(src)
	if l < 15 {
		out = append(out, byte(l<<4))
	} else {
		out = append(out, 0xF0)
		for l -= 15; l >= 255; l -= 255 {
			out = append(out, 0xFF)
		}
		out = append(out, byte(l))
	}
	return append(out, src...)
}

var errRawSize = errors.New("decompressed size does not match x-log-bodyrawsize")

// decompress decodes a request body of the named type into exactly rawSize bytes. An empty type means the body is
// not compressed; rawSize < 0 means the size was not given.
func (c *codec) decompress(typ string, body []byte, rawSize int) ([]byte, error) {
	if rawSize > c.maxRaw {
		return nil, fmt.Errorf("raw size %d exceeds %d", rawSize, c.maxRaw)
	}
	switch typ {
	case "":
		if rawSize >= 0 && rawSize != len(body) {
			return nil, errRawSize
		}
		return body, nil
	case compressLZ4:
		if rawSize < 0 {
			return nil, errors.New("lz4 body needs x-log-bodyrawsize")
		}
		out := make([]byte, rawSize)
		n, err := lz4.UncompressBlock(body, out)
		if err != nil {
			return nil, fmt.Errorf("lz4: %w", err)
		}
		if n != rawSize {
			return nil, errRawSize
		}
		return out, nil
	case compressZSTD:
		out, err := c.zdec.DecodeAll(body, nil)
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		if rawSize >= 0 && len(out) != rawSize {
			return nil, errRawSize
		}
		return out, nil
	case compressDeflate:
		zr, err := zlib.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, int64(c.maxRaw)+1))
		if err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
		if len(out) > c.maxRaw || (rawSize >= 0 && len(out) != rawSize) {
			return nil, errRawSize
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown compress type %q", typ)
}
