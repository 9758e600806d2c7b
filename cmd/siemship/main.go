package main
import (
 _ "github.com/aliyun/aliyun-log-go-sdk"
 _ "github.com/aliyun/aliyun-log-go-sdk/consumer"
 _ "github.com/crewjam/rfc5424"
 _ "github.com/kelseyhightower/envconfig"
 _ "go.uber.org/zap"
 _ "go.uber.org/goleak"
 _ "github.com/pierrec/lz4/v4"
 _ "github.com/klauspost/compress/zstd"
 _ "github.com/gogo/protobuf/proto"
)
func main(){}
