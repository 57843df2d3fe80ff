package home

import (
	"encoding/asn1"
	"errors"
	"fmt"
)

// The JVMs the simulated products run on (identity-server-7.md §1: IS 7.0.0 Temurin 11, 7.1.0/7.2.0
// Temurin 21; api-manager-4.md §1: API-M 4.3.0 Temurin 17, 4.4.0+ Temurin 21) predate PBMAC1 support in
// PKCS12 (JDK 26). Their PKCS12KeyStore.engineLoad looks up the MAC as "HmacPBE" + the algorithm's OID and
// fails the whole load, so such a store stops the product at start-up. Checked on Debian's OpenJDK 17
// (harness/trust/jvm_test.go, pbmac1): it refuses Modern2026 key and trust stores with exactly the message
// below and reads Modern2023; JDK 11 and 21 remain as go-libraries.md §6 states.

// oidPBMAC1 is the PKCS #5 PBMAC1 algorithm (RFC 8018), written by go-pkcs12's Modern2026 encoder.
var oidPBMAC1 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}

// pfxMAC is just enough of RFC 7292's PFX to read the MAC algorithm.
type pfxMAC struct {
	Version  int
	AuthSafe asn1.RawValue
	MacData  struct {
		Mac struct {
			Algorithm struct {
				Algorithm  asn1.ObjectIdentifier
				Parameters asn1.RawValue `asn1:"optional"`
			}
			Digest []byte
		}
		MacSalt    []byte
		Iterations int `asn1:"optional,default:1"`
	} `asn1:"optional"`
}

// checkJDKReadable returns the JVM's load error for a PKCS12 file Java 11-21 cannot read, nil otherwise
// (including for bytes that are not a PFX: the decoder reports those).
func checkJDKReadable(raw []byte) error {
	var pfx pfxMAC
	if _, err := asn1.Unmarshal(raw, &pfx); err != nil {
		return nil
	}
	if alg := pfx.MacData.Mac.Algorithm.Algorithm; alg.Equal(oidPBMAC1) {
		return errors.New("java.io.IOException: Integrity check failed: java.security.NoSuchAlgorithmException: " +
			"Algorithm HmacPBE" + alg.String() + " not available")
	}
	return nil
}

// jdkCheck wraps checkJDKReadable with the store's role and file name.
func jdkCheck(role, file string, raw []byte) error {
	if err := checkJDKReadable(raw); err != nil {
		return fmt.Errorf("%s %s (PKCS12): %w", role, file, err)
	}
	return nil
}
