package handlers

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument describes /api/v1 (OpenAPI 3.1). It is written by hand
// beside the code; TestAPIMatchesOpenAPI validates every endpoint's real
// answers, success and error, against it, so the two cannot drift apart.
//
//go:embed openapi.json
var openAPIDocument []byte

// serveOpenAPI serves GET /api/v1/openapi.json. It needs no token: it
// describes the API and holds no data.
func (h *Handlers) serveOpenAPI(c *gin.Context) error {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDocument)
	return nil
}
