package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// Batch decisions (issue 17): one request decides several initial
// reviews, signatures or filings, each row exactly as POST
// /api/v1/tasks/{id}/decision would (decideTask), one after the other. A
// row refused never stops the others: the answer is 200 with each row's
// status and its answer or its error, in the order sent.

// maxBatch bounds the decisions of one batch.
const maxBatch = 50

type batchBody struct {
	Decisions []batchRow `json:"decisions"`
}

// batchRow is one decision of a batch: the fields a batchable decision
// takes.
type batchRow struct {
	TaskID   string `json:"task_id"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	Basis    string `json:"basis"`
}

// batchResult is one row's outcome: Status is what POST
// /api/v1/tasks/{id}/decision would have answered, with its answer
// (Result) or its error.
type batchResult struct {
	TaskID string        `json:"task_id"`
	Status int           `json:"status"`
	Error  *Error        `json:"error,omitempty"`
	Result *updateAnswer `json:"result,omitempty"`
}

// retryKey marks a request whose answer is not to be kept for its
// Idempotency-Key: a batch with a row that failed on the server. A retry
// with the key then runs again; its rows that took effect answer as they
// did the first time (their Update IDs are the same), and the failed
// ones are tried again.
const retryKey = "datagate.retry"

func (s *Server) decideBatch(c *gin.Context) {
	var b batchBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if len(b.Decisions) == 0 {
		fail(c, badRequest("decisions", `list the decisions, e.g. {"decisions":[{"task_id":"…","decision":"pass"}]}`,
			"the batch holds no decision"))
		return
	}
	if n := len(b.Decisions); n > maxBatch {
		fail(c, badRequest("decisions", "send the rest in further requests", "the batch holds %d decisions, more than %d", n, maxBatch))
		return
	}
	out := make([]batchResult, len(b.Decisions))
	seen := map[string]int{}
	for i, row := range b.Decisions {
		prefix := fmt.Sprintf("decisions[%d]", i)
		res, err := s.decideRow(c, prefix, row, seen)
		if _, ok := seen[row.TaskID]; !ok && row.TaskID != "" {
			seen[row.TaskID] = i
		}
		out[i] = batchResult{TaskID: row.TaskID, Status: http.StatusOK}
		if err != nil {
			status, e := errorBody(c, err)
			e.Field = rowField(prefix, e.Field)
			out[i].Status, out[i].Error = status, e
			if status >= http.StatusInternalServerError {
				c.Set(retryKey, true)
			}
			continue
		}
		out[i].Result = &res
	}
	c.JSON(http.StatusOK, gin.H{"results": out})
}

// decideRow decides one row of a batch through decideTask, once the
// row names a task not already in the batch, of a kind a batch decides,
// with a decision a batch may take on it.
func (s *Server) decideRow(c *gin.Context, prefix string, row batchRow, seen map[string]int) (updateAnswer, error) {
	field := prefix + ".task_id"
	if strings.TrimSpace(row.TaskID) == "" {
		return updateAnswer{}, badRequest(field, "take the task ID from GET /api/v1/tasks", "%s names no task", prefix)
	}
	if j, ok := seen[row.TaskID]; ok {
		return updateAnswer{}, badRequest(field, "list each task once", "task %s is already listed at decisions[%d] of this batch", row.TaskID, j)
	}
	return s.decideTask(c, field, row.TaskID, func(t store.Task) (decisionBody, error) {
		allowed := domain.BatchDecisions(t.Kind)
		if len(allowed) == 0 {
			return decisionBody{}, unprocessable(field, "decide it on its own at POST /api/v1/tasks/{id}/decision",
				"task %s cannot be decided in a batch: a batch decides only initial reviews, signatures and filings", t.ID)
		}
		if !slices.Contains(allowed, row.Decision) {
			return decisionBody{}, unprocessable(prefix+".decision", "use a decision a batch may take on this task",
				"decision %q cannot be taken on task %s in a batch; it takes: %s", row.Decision, t.ID, strings.Join(allowed, ", "))
		}
		return decisionBody{Decision: row.Decision, Reason: row.Reason, Basis: row.Basis}, nil
	})
}

// rowField names a row's field as the batch's body does: "reason" of
// row 2 is "decisions[2].reason".
func rowField(prefix, field string) string {
	switch {
	case field == "", strings.HasPrefix(field, prefix+"."), field == "Content-Type", field == idempotencyHeader:
		return field
	case field == "id":
		return prefix + ".task_id"
	}
	return prefix + "." + field
}
