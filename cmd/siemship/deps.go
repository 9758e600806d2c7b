package main

// Blank imports keep the pinned modules in go.mod while the packages that use them are written.
// Remove an import here once a real package imports the module.
import (
	_ "github.com/aliyun/aliyun-log-go-sdk"
	_ "github.com/aliyun/aliyun-log-go-sdk/consumer"
	_ "github.com/crewjam/rfc5424"
	_ "github.com/gogo/protobuf/proto"
	_ "github.com/kelseyhightower/envconfig"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/pierrec/lz4/v4"
	_ "go.uber.org/goleak"
	_ "go.uber.org/zap"
)
