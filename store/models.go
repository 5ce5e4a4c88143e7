package store

import "time"

// Free-text columns are tagged size:16777215 rather than type:text: gorm
// makes them TEXT on SQLite, as before, and MEDIUMTEXT (16 MiB) on MySQL,
// whose TEXT holds 64 KiB only, less than a request body may carry. The
// size is MEDIUMTEXT's own length, so that AutoMigrate finds nothing to
// alter.

// Org kinds: who an organisation is in the approval process.
const (
	KindBigDataCenter = "bigdata_center"
	KindBureau        = "bureau"
	KindOperator      = "operator"
	KindSupervision   = "supervision"
	KindProvider      = "provider"
	KindRegulator     = "regulator"
	KindApplicant     = "applicant"
)

// Org is a department or an applicant enterprise. domain.Roles() are held per org.
type Org struct {
	Code       string `gorm:"primaryKey;size:64" json:"code"`
	Name       string `gorm:"size:200;not null" json:"name"`
	NameEn     string `gorm:"size:200" json:"name_en"`
	Kind       string `gorm:"size:32;not null;index" json:"kind"`
	CreditCode string `gorm:"size:18" json:"credit_code,omitempty"`
}

// User is a person acting for one org under one role.
//
// PasswordHash is an argon2id PHC string (see package identity), never the
// password; it is empty for a user who cannot sign in with a password, and
// never serialized. The new columns have defaults so that AutoMigrate can
// add them to a table that already has rows.
type User struct {
	ID           uint       `gorm:"primaryKey" json:"id"`
	Username     string     `gorm:"size:64;not null;uniqueIndex" json:"username"`
	DisplayName  string     `gorm:"size:200" json:"display_name"`
	OrgCode      string     `gorm:"size:64;not null;index" json:"org"`
	Role         string     `gorm:"size:32;not null" json:"role"`
	PasswordHash string     `gorm:"size:255;not null;default:''" json:"-"`
	Disabled     bool       `gorm:"not null;default:false" json:"disabled"`
	FailedLogins int        `gorm:"not null;default:0" json:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
}

// Dataset is one catalog entry (数据资源).
type Dataset struct {
	Code            string   `gorm:"primaryKey;size:32" json:"code"`
	Name            string   `gorm:"size:200;not null" json:"name"`
	Department      string   `gorm:"size:64;not null;index" json:"department"`
	Fields          []string `gorm:"serializer:json;type:text" json:"fields"`
	OpenAttribute   string   `gorm:"size:16;not null;index" json:"open_attribute"`
	Grade           int      `gorm:"not null" json:"grade"`
	UpdateFrequency string   `gorm:"size:32" json:"update_frequency"`
	Format          string   `gorm:"size:32" json:"format"`
	Summary         string   `gorm:"size:16777215" json:"summary"`
}

// Open attributes of a dataset.
const (
	OpenUnconditional = "unconditional"
	OpenConditional   = "conditional"
	OpenClosed        = "closed"
)

// Application is one scenario's request (一场景一申请). Draft fields are edited
// through the API; once submitted, Status and the lifecycle columns are
// written only by the workflow's activities.
type Application struct {
	ID               uint64     `gorm:"primaryKey;autoIncrement" json:"id"`
	ApplicantOrg     string     `gorm:"size:64;not null;index" json:"applicant_org"`
	ApplicantUser    string     `gorm:"size:64;not null" json:"applicant_user"`
	Title            string     `gorm:"size:200;not null" json:"title"`
	Domain           string     `gorm:"size:64" json:"domain"`
	Description      string     `gorm:"size:16777215" json:"description"`
	Purpose          string     `gorm:"size:16777215" json:"purpose"`
	Scope            string     `gorm:"size:16777215" json:"scope"`
	PeriodMonths     int        `gorm:"not null" json:"period_months"`
	AccessMode       string     `gorm:"size:16;not null" json:"access_mode"`
	SecurityControls string     `gorm:"size:16777215" json:"security_controls"`
	Status           string     `gorm:"size:32;not null;index" json:"status"`
	WorkflowID       string     `gorm:"size:128" json:"workflow_id,omitempty"`
	SubmittedAt      *time.Time `json:"submitted_at,omitempty"`
	ActiveFrom       *time.Time `json:"active_from,omitempty"`
	ActiveUntil      *time.Time `json:"active_until,omitempty"`
	EndedAt          *time.Time `json:"ended_at,omitempty"`
	EndReason        string     `gorm:"size:32" json:"end_reason,omitempty"`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`

	Datasets []ApplicationDataset `gorm:"foreignKey:ApplicationID" json:"datasets,omitempty"`
}

// Access modes.
const (
	AccessDownload    = "download"
	AccessAPI         = "api"
	AccessSandbox     = "sandbox"
	AccessModelResult = "model-result"
)

// ApplicationDataset is one dataset named by an application, with the
// provider department's decision on it.
type ApplicationDataset struct {
	ApplicationID uint64     `gorm:"primaryKey;autoIncrement:false" json:"-"`
	DatasetCode   string     `gorm:"primaryKey;size:32" json:"dataset"`
	Department    string     `gorm:"size:64;not null;index" json:"department"`
	Decision      string     `gorm:"size:16" json:"decision,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string     `gorm:"size:16777215" json:"basis,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// Task is one step waiting on one org, with its statutory deadline.
type Task struct {
	ID            string     `gorm:"primaryKey;size:160;index:idx_tasks_inbox,priority:4;index:idx_tasks_overdue,priority:3" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	WorkflowID    string     `gorm:"size:128;not null" json:"workflow_id"`
	Kind          string     `gorm:"size:40;not null" json:"kind"`
	Subject       string     `gorm:"size:64" json:"subject,omitempty"`
	Round         int        `gorm:"not null" json:"round"`
	Department    string     `gorm:"size:64;not null;index:idx_tasks_inbox,priority:1" json:"department"`
	Status        string     `gorm:"size:16;not null;index:idx_tasks_inbox,priority:2;index:idx_tasks_overdue,priority:1" json:"status"`
	OpenedAt      time.Time  `gorm:"not null" json:"opened_at"`
	DueAt         time.Time  `gorm:"not null;index:idx_tasks_inbox,priority:3;index:idx_tasks_overdue,priority:2" json:"due_at"`
	RemindAt      *time.Time `json:"remind_at,omitempty"`
	RemindedAt    *time.Time `json:"reminded_at,omitempty"`
	OverdueAt     *time.Time `json:"overdue_at,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Decision      string     `gorm:"size:32" json:"decision,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string     `gorm:"size:16777215" json:"basis,omitempty"`
	Comment       string     `gorm:"size:16777215" json:"comment,omitempty"`
	ActorUser     string     `gorm:"size:64" json:"actor_user,omitempty"`
	ActorRole     string     `gorm:"size:32" json:"actor_role,omitempty"`
	// Assignee is the colleague who claimed the task, or to whom it was
	// transferred (转办); empty while the whole department holds it.
	Assignee string `gorm:"size:64;not null;default:''" json:"assignee,omitempty"`
}

// Signature is one party's signature on an agreement.
type Signature struct {
	Org  string    `json:"org"`
	User string    `json:"user"`
	At   time.Time `json:"at"`
}

// Agreement is one of an application's agreements (授权协议, 服务协议, 备案, 利用承诺).
type Agreement struct {
	ApplicationID uint64      `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Kind          string      `gorm:"primaryKey;size:32" json:"kind"`
	Status        string      `gorm:"size:16;not null" json:"status"`
	Parties       []string    `gorm:"serializer:json;type:text" json:"parties"`
	Signatures    []Signature `gorm:"serializer:json;type:text" json:"signatures"`
	CompletedAt   *time.Time  `json:"completed_at,omitempty"`
}

// Model is one model or data product built on the data (一模型一审定).
type Model struct {
	ID            string     `gorm:"primaryKey;size:160" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	No            int        `gorm:"not null" json:"no"`
	Name          string     `gorm:"size:200;not null" json:"name"`
	Description   string     `gorm:"size:16777215" json:"description"`
	Status        string     `gorm:"size:24;not null" json:"status"`
	Round         int        `gorm:"not null" json:"round"`
	SubmittedAt   time.Time  `json:"submitted_at"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
}

// Evaluation is one periodic (or on-demand) evaluation of an authorization.
type Evaluation struct {
	ID            string     `gorm:"primaryKey;size:160" json:"id"`
	ApplicationID uint64     `gorm:"not null;index" json:"application_id"`
	No            int        `gorm:"not null" json:"no"`
	Round         int        `gorm:"not null" json:"round"`
	Status        string     `gorm:"size:24;not null" json:"status"`
	SelfReport    string     `gorm:"size:16777215" json:"self_report,omitempty"`
	Rating        string     `gorm:"size:24" json:"rating,omitempty"`
	Reason        string     `gorm:"size:16777215" json:"reason,omitempty"`
	RectifyUntil  *time.Time `json:"rectify_until,omitempty"`
	OpenedAt      time.Time  `json:"opened_at"`
	ClosedAt      *time.Time `json:"closed_at,omitempty"`
}

// AuditEntry is one append-only record of who did what, when and why.
// (WorkflowID, Seq) makes a retried activity's write idempotent.
type AuditEntry struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	WorkflowID    string    `gorm:"size:160;not null;uniqueIndex:idx_audit_wf_seq,priority:1" json:"workflow_id"`
	Seq           int64     `gorm:"not null;uniqueIndex:idx_audit_wf_seq,priority:2" json:"seq"`
	ApplicationID uint64    `gorm:"not null;index" json:"application_id"`
	Actor         string    `gorm:"size:64" json:"actor"`
	Role          string    `gorm:"size:32" json:"role"`
	Department    string    `gorm:"size:64" json:"department"`
	Action        string    `gorm:"size:48;not null" json:"action"`
	Target        string    `gorm:"size:160" json:"target"`
	Reason        string    `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string    `gorm:"size:16777215" json:"basis,omitempty"`
	At            time.Time `gorm:"not null;index" json:"at"`
}

// TableName keeps the audit table's name plain.
func (AuditEntry) TableName() string { return "audit_log" }
