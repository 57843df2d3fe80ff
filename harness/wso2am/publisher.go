package wso2am

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kmconform/kmconform/harness/httpcall"
)

// API is the part of the publisher APIDTO the harness reads back.
type API struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Context     string   `json:"context"`
	Version     string   `json:"version"`
	KeyManagers []string `json:"keyManagers"`
	LifeCycle   string   `json:"lifeCycleStatus"`
}

// CreateAPI creates an API from a publisher APIDTO (201).
func (c *Client) CreateAPI(ctx context.Context, dto map[string]any) (*API, error) {
	var out API
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "create API", Method: http.MethodPost, URL: c.Base + PublisherPath + "/apis", JSON: dto, Auth: c.admin(),
	}, &out, http.StatusCreated)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateRevision snapshots an API (201). Right after creation API-M may answer 500 while its registry
// settles; callers retry.
func (c *Client) CreateRevision(ctx context.Context, apiID string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op: "create API revision", Method: http.MethodPost, URL: c.Base + PublisherPath + "/apis/" + url.PathEscape(apiID) + "/revisions",
		JSON: map[string]string{"description": "kmconform"}, Auth: c.admin(),
	}, &out, http.StatusCreated)
	return out.ID, err
}

// DeployRevision deploys a revision to a gateway environment and vhost. API-M answers 201 (its OpenAPI
// file says 200).
func (c *Client) DeployRevision(ctx context.Context, apiID, revisionID, env, vhost string) error {
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op:     "deploy API revision",
		Method: http.MethodPost,
		URL:    c.Base + PublisherPath + "/apis/" + url.PathEscape(apiID) + "/deploy-revision?revisionId=" + url.QueryEscape(revisionID),
		JSON:   []map[string]any{{"name": env, "vhost": vhost, "displayOnDevportal": true}},
		Auth:   c.admin(),
	}, nil, http.StatusCreated, http.StatusOK)
	return err
}

// Publish moves an API to PUBLISHED.
func (c *Client) Publish(ctx context.Context, apiID string) error {
	_, err := httpcall.Expect(ctx, c.HTTP, httpcall.Request{
		Op:     "publish API",
		Method: http.MethodPost,
		URL:    c.Base + PublisherPath + "/apis/change-lifecycle?apiId=" + url.QueryEscape(apiID) + "&action=Publish",
		Auth:   c.admin(),
	}, nil, http.StatusOK, http.StatusAccepted)
	return err
}
