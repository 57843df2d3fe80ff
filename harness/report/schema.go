package report

import _ "embed"

// Schema is the JSON Schema of matrix.json at SchemaVersion, shipped in the repository as
// harness/report/schema/matrix-v1.schema.json.
//
//go:embed schema/matrix-v1.schema.json
var Schema []byte
