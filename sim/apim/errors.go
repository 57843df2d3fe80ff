package apim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// errorDTO is the REST APIs' error body (rest.api.common ErrorDTO, api-manager-4.md §2.1): code is a
// JSON number here, unlike the gateway's string codes.
type errorDTO struct {
	Code        int64       `json:"code"`
	Message     string      `json:"message"`
	Description string      `json:"description"`
	MoreInfo    string      `json:"moreInfo"`
	Error       []errorItem `json:"error"`
}

// errorItem is ErrorListItem: one field-level problem.
type errorItem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError is an error that knows its REST status and ErrorDTO.
type apiError struct {
	status int
	dto    errorDTO
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %d %s", e.status, e.dto.Code, e.dto.Description)
}

func newAPIError(status int, code int64, message, description string) *apiError {
	return &apiError{status: status, dto: errorDTO{Code: code, Message: message, Description: description, Error: []errorItem{}}}
}

// badRequest is RestApiUtil.handleBadRequest: code 400, message "Bad Request".
func badRequest(description string) *apiError {
	return newAPIError(http.StatusBadRequest, 400, "Bad Request", description)
}

// missingRequired is the 400 for a request that lacks fields or query parameters its OpenAPI operation
// marks required; the fields are listed in ErrorDTO.error, one ErrorListItem each.
// UNCONFIRMED (api-manager-4.md gives no body for a missing required field): chose code 400, message
// "Bad Request", description "Invalid request body" and "<field> may not be null" items, the shape of
// the JAX-RS bean-validation answer; validateLengths uses the same shape.
func missingRequired(fields ...string) *apiError {
	e := badRequest("Invalid request body")
	for _, f := range fields {
		e.dto.Error = append(e.dto.Error, errorItem{Code: "400", Message: f + " may not be null"})
	}
	return e
}

// absent returns the names whose value is empty, in order: name1, value1, name2, value2, …
func absent(pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			out = append(out, pairs[i])
		}
	}
	return out
}

func notFound(resource, id string) *apiError {
	return newAPIError(http.StatusNotFound, 404, "Not Found",
		fmt.Sprintf("Requested %s with Id '%s' not found", resource, id))
}

func conflict(description string) *apiError {
	return newAPIError(http.StatusConflict, 409, "Resource Already Exists", description)
}

func internalError(description string) *apiError {
	return newAPIError(http.StatusInternalServerError, 500, "Internal server error", description)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = internalError("The server encountered an internal error. Please contact administrator.")
	}
	writeJSON(w, ae.status, ae.dto)
}

// readJSON decodes a request body into v; malformed JSON is a 400 as the CXF JSON provider answers.
func readJSON(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		return badRequest("Could not read the request body")
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return badRequest("Malformed request body: " + err.Error())
	}
	return nil
}
