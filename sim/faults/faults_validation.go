package faults

func init() { register(validationFaults...) }

// validationFaults are the regressions the token-validation-mode checks must catch.
var validationFaults = []Fault{
	{"gateway-introspection-ignores-inactive", "apim", "the gateway's key-validation path takes an introspection answer active:false as a valid token"},
	{"gateway-pem-accepts-any-signature", "apim", "the gateway does not verify the signature of a JWT whose Key Manager is registered with a PEM certificate"},
}
