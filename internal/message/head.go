package message

// Head is what the mapping chose for one record's header fields, the syslog header's and the format's. A field whose
// bit is not in Set keeps the encoder's setting; so does an empty CEF or LEEF field, while an empty syslog field is
// the NILVALUE. Values are record text: each encoder sanitizes and cuts them as its header requires and counts a
// record whose value it had to change as sanitized.
type Head struct {
	Set                      HeadFields
	Severity                 int // syslog severity 0..7; CEF and LEEF derive theirs from it
	Facility                 int // 0..23
	Hostname, AppName, MsgID string
	Vendor, Product, Version string // CEF and LEEF header
	Class, Name              string // CEF Device Event Class ID and Name; Class is LEEF's EventID
}

// HeadFields says which fields of a Head are set.
type HeadFields uint16

// The fields of a Head.
const (
	HeadSeverity HeadFields = 1 << iota
	HeadFacility
	HeadHostname
	HeadAppName
	HeadMsgID
	HeadVendor
	HeadProduct
	HeadVersion
	HeadClass
	HeadName
)

// Has reports whether every field of f is set.
func (h *Head) Has(f HeadFields) bool { return h.Set&f == f }

// Text returns the value h chose for the CEF or LEEF header field f (HeadVendor, HeadProduct, HeadVersion,
// HeadClass or HeadName), or setting when h sets no value for it or an empty one: an empty chosen field keeps the
// encoder's setting.
func (h *Head) Text(f HeadFields, setting string) string {
	if h.Set&f == 0 {
		return setting
	}
	var v string
	switch f {
	case HeadVendor:
		v = h.Vendor
	case HeadProduct:
		v = h.Product
	case HeadVersion:
		v = h.Version
	case HeadClass:
		v = h.Class
	case HeadName:
		v = h.Name
	}
	if v == "" {
		return setting
	}
	return v
}
