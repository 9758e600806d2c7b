package cef

import (
	"unicode/utf8"

	"github.com/siemship/siemship/internal/encoder/internal/chars"
)

// The extension keys of what every log carries besides its contents. They are custom keys in the standard's
// VendornameProductnameKeyName form; a content key is the log's own key, transformed by appendKey.
const (
	KeyTime      = "rt"        // the log's time (__time__ and its nanosecond part) in milliseconds since the epoch
	KeyTopic     = "slsTopic"  // the log group's topic (__topic__)
	KeySource    = "slsSource" // the log group's source (__source__)
	KeyTagPrefix = "slsTag"    // followed by the tag's key: tag k (__tag__:k) is the key "slsTag"+k, transformed
)

// producerKeys are the keys of the ArcSight Extension Dictionary (CEF Implementation Standard, revision 27,
// chapter 2) that an event producer may send: those for producers and those for both producers and consumers, and
// c6a2/c6a2Label, which the dictionary table omits but the standard's IPv6 section names for source addresses. A
// content key that is one of them is sent as is.
var producerKeys = [...]string{
	"act", "agentTranslatedZoneKey", "agentZoneKey", "app", "c6a1", "c6a1Label", "c6a2", "c6a2Label", "c6a3",
	"c6a3Label", "c6a4", "c6a4Label", "cat", "cfp1", "cfp1Label", "cfp2", "cfp2Label", "cfp3", "cfp3Label", "cfp4",
	"cfp4Label", "cn1", "cn1Label", "cn2", "cn2Label", "cn3", "cn3Label", "cnt", "cs1", "cs1Label", "cs2", "cs2Label",
	"cs3", "cs3Label", "cs4", "cs4Label", "cs5", "cs5Label", "cs6", "cs6Label", "customerKey", "dTranslatedZoneKey",
	"dZoneKey", "destinationDnsDomain", "destinationServiceName", "destinationTranslatedAddress",
	"destinationTranslatedPort", "deviceCustomDate1", "deviceCustomDate1Label", "deviceCustomDate2",
	"deviceCustomDate2Label", "deviceDirection", "deviceDnsDomain", "deviceExternalId", "deviceFacility",
	"deviceInboundInterface", "deviceNtDomain", "deviceOutboundInterface", "devicePayloadId", "deviceProcessName",
	"deviceTranslatedAddress", "deviceTranslatedZoneKey", "deviceZoneKey", "dhost", "dmac", "dntdom", "dpid", "dpriv",
	"dproc", "dpt", "dst", "dtz", "duid", "duser", "dvc", "dvchost", "dvcpid", "end", "externalId", "fileCreateTime",
	"fileHash", "fileId", "fileModificationTime", "filePath", "filePermission", "fileType", "flexDate1",
	"flexDate1Label", "flexString1", "flexString1Label", "flexString2", "flexString2Label", "fname", "frameworkName",
	"fsize", "in", "msg", "oldFileCreateTime", "oldFileHash", "oldFileId", "oldFileModificationTime", "oldFileName",
	"oldFilePath", "oldFilePermission", "oldFileSize", "oldFileType", "out", "outcome", "proto", "reason",
	"reportedDuration", "reportedResourceGroupName", "reportedResourceID", "reportedResourceName",
	"reportedResourceType", "request", "requestClientApplication", "requestContext", "requestCookies", "requestMethod",
	"rt", "sTranslatedZoneKey", "sZoneKey", "shost", "smac", "sntdom", "sourceDnsDomain", "sourceServiceName",
	"sourceTranslatedAddress", "sourceTranslatedPort", "spid", "spriv", "sproc", "spt", "src", "start", "suid", "suser",
	"threatActor", "threatAttackID", "type",
}

// IsProducerKey reports whether k is a key of the ArcSight Extension Dictionary that an event producer may send
// (see producerKeys): a content with this key is sent under it unchanged.
func IsProducerKey(k string) bool {
	for _, p := range producerKeys {
		if p == k {
			return true
		}
	}
	return false
}

// consumerKeys are the keys that isConsumerKey knows.
var consumerKeys = [...]string{"agentDnsDomain", "agentNtDomain", "agentTranslatedAddress",
	"agentTranslatedZoneExternalID", "agentTranslatedZoneURI", "agentZoneExternalID", "agentZoneURI", "agt", "ahost",
	"aid", "amac", "art", "at", "atz", "av", "customerExternalID", "customerURI", "destinationTranslatedZoneExternalID",
	"destinationTranslatedZoneURI", "destinationZoneExternalID", "destinationZoneURI",
	"deviceTranslatedZoneExternalID", "deviceTranslatedZoneURI", "deviceZoneExternalID", "deviceZoneURI", "dlat",
	"dlong", "eventId", "rawEvent", "slat", "slong", "sourceTranslatedZoneExternalID", "sourceTranslatedZoneURI",
	"sourceZoneExternalID", "sourceZoneURI"}

// consumerLens has, for each first byte of a consumer key, a bit for each length a consumer key with that first
// byte has (all are shorter than 64 bytes): a quick test that rules out most keys before isConsumerKey compares.
var consumerLens = func() (t [128]uint64) {
	for _, k := range consumerKeys {
		if !isConsumerKey(k) {
			panic("cef: consumer key lists differ: " + k)
		}
		t[k[0]] |= 1 << len(k)
	}
	return t
}()

// maybeConsumerKey is false for a key that cannot be a consumer key (k is not empty).
func maybeConsumerKey(k string) bool {
	return len(k) < 64 && k[0] < 128 && consumerLens[k[0]]>>len(k)&1 != 0
}

// isConsumerKey reports whether k is one of the 35 dictionary keys that ArcSight sets itself after it receives an
// event ("must not be set by event producers"), such as eventId, which ActionTrail records also carry. A content
// with such a key is sent under a transformed key, so that the SIEM does not take it for its own field.
func isConsumerKey(k string) bool {
	switch k {
	case "agentDnsDomain", "agentNtDomain", "agentTranslatedAddress", "agentTranslatedZoneExternalID",
		"agentTranslatedZoneURI", "agentZoneExternalID", "agentZoneURI", "agt", "ahost", "aid", "amac", "art", "at",
		"atz", "av", "customerExternalID", "customerURI", "destinationTranslatedZoneExternalID",
		"destinationTranslatedZoneURI", "destinationZoneExternalID", "destinationZoneURI",
		"deviceTranslatedZoneExternalID", "deviceTranslatedZoneURI", "deviceZoneExternalID", "deviceZoneURI", "dlat",
		"dlong", "eventId", "rawEvent", "slat", "slong", "sourceTranslatedZoneExternalID", "sourceTranslatedZoneURI",
		"sourceZoneExternalID", "sourceZoneURI":
		return true
	}
	return false
}

// The key transform. CEF keys are single alphanumeric words (ASCII letters and digits); SLS keys are any bytes.
// appendKey writes the CEF key of an SLS key so that the SLS key can always be recovered:
//
//   - a key that is alphanumeric is sent as is, unless it is empty, "x", a consumer key (isConsumerKey) or
//     contains an 'x' followed by two characters of 0-9A-F;
//   - otherwise every byte that is not an ASCII letter or digit becomes 'x' and its two upper-case hex digits
//     ("userIdentity.type" becomes "userIdentityx2Etype", "__hostname__" becomes "x5Fx5Fhostnamex5Fx5F"), and so
//     does an 'x' that two upper-case hex digits follow ("x41" becomes "x7841");
//   - in a consumer key and in the key "x" the first byte becomes its escape too ("eventId" becomes "x65ventId",
//     "x" becomes "x78"), and the empty key is sent as "x".
//
// To recover the SLS key: "x" alone is the empty key; otherwise replace every 'x' that two upper-case hex digits
// follow by the byte they name. Dictionary keys never contain such an escape, so this holds for them too.

// plainKey reports whether the key prefix+k is sent unchanged. prefix is "" or KeyTagPrefix.
func plainKey(prefix, k string) bool {
	alnum, xs := keyWords(k)
	return keyPlain(prefix, k, alnum, xs)
}

// keyPlain is plainKey with keyWords' (or copyKey's) results for k: all alphanumeric, no 'x' that starts an escape
// (checked byte by byte only when there is an 'x'), and, without prefix, not empty, "x" or a consumer key.
func keyPlain(prefix, k string, alnum, xs uint64) bool {
	if alnum != chars.Highs || xs != 0 && !noXEscape(k) {
		return false
	}
	return prefix != "" || k != "" && k != "x" && !(maybeConsumerKey(k) && isConsumerKey(k))
}

// noXEscape reports whether no 'x' in k is followed by two upper-case hex digits.
func noXEscape(k string) bool {
	for i := 0; i < len(k); i++ {
		if k[i] == 'x' && xEscapeAt(k, i) {
			return false
		}
	}
	return true
}

// xEscapeAt reports whether the 'x' at k[i] is followed by two upper-case hex digits, as an escape is.
func xEscapeAt(k string, i int) bool {
	return i+2 < len(k) && isUpperHex(k[i+1]) && isUpperHex(k[i+2])
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

const upperHex = "0123456789ABCDEF"

// appendKey appends the CEF key of the SLS key prefix+k (see the key transform above) and reports whether k holds
// a control byte, DEL or invalid UTF-8, which Result.Sanitized counts also in keys (the transform of other
// characters is the keys' naming rule, not sanitizing). prefix is "" or KeyTagPrefix, which needs no escaping and
// keeps k from being empty or a dictionary key.
func appendKey(dst []byte, prefix, k string) ([]byte, bool) {
	dst = append(dst, prefix...)
	if prefix == "" {
		if k == "" {
			return append(dst, 'x'), false
		}
		if k == "x" || isConsumerKey(k) {
			// The first byte is escaped; whether an 'x' in the rest starts an escape depends on k's bytes only.
			c := k[0]
			dst = append(dst, 'x', upperHex[c>>4], upperHex[c&15])
			return appendKeyBytes(dst, k[1:])
		}
	}
	return appendKeyBytes(dst, k)
}

// appendKeyBytes escapes every byte of k that is not alphanumeric, and every 'x' that starts an escape; it reports
// whether k holds a control byte, DEL or invalid UTF-8.
func appendKeyBytes(dst []byte, k string) ([]byte, bool) {
	run := 0 // k[run:i] is copied as is and not yet appended
	ctrl, high := false, false
	for i := 0; i < len(k); i++ {
		c := k[i]
		if isAlnum(c) && !(c == 'x' && xEscapeAt(k, i)) {
			continue
		}
		ctrl = ctrl || c < 0x20 || c == 0x7f
		high = high || c >= utf8.RuneSelf
		dst = append(dst, k[run:i]...)
		dst = append(dst, 'x', upperHex[c>>4], upperHex[c&15])
		run = i + 1
	}
	return append(dst, k[run:]...), ctrl || high && !utf8.ValidString(k)
}
