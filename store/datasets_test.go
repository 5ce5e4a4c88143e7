package store

import (
	"context"
	"strings"
	"testing"
)

// Migration 7 adds datasets.authorized_operation to a database that
// holds a catalog already: the rows seeded from the 34 directories of 003
// 表1 become eligible for authorized operation, every other row (the 000
// appendix, a row whose name is not the seeded one) stays not eligible,
// and its Down section takes the column away again.
func TestMigrationAuthorizedOperation(t *testing.T) {
	ctx := context.Background()
	const before, version = 6, 7
	for _, s := range rawTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			dropAllTables(t, s)
			p, err := s.migrations()
			must(t, err)
			_, err = p.UpTo(ctx, before)
			must(t, err)
			if s.db.Migrator().HasColumn(&Dataset{}, "authorized_operation") {
				t.Fatalf("datasets.authorized_operation exists before migration %d", version)
			}
			cat := loadCatalog(t)
			seededName := map[string]string{}
			for _, d := range cat.Datasets {
				seededName[d.Code] = d.Name
			}
			// As an earlier start seeded them, without the column.
			rows := [][2]string{
				{"DS-0103", seededName["DS-0103"]}, // 医疗放射影像数据, closed
				{"DS-0110", seededName["DS-0110"]}, // 人口数据, closed
				{"DS-0100", seededName["DS-0100"]}, // conditional, in 表1 too
				{"DS-0001", seededName["DS-0001"]}, // the 000 appendix
				{"DS-0111", "另一个数据集"},              // not the seeded row
			}
			for _, r := range rows {
				must(t, s.db.Exec("INSERT INTO datasets (code, name, department, fields, open_attribute, grade) VALUES (?, ?, ?, ?, ?, ?)",
					r[0], r[1], "health", `["a"]`, OpenClosed, 3).Error)
			}
			applied, err := p.UpTo(ctx, version)
			must(t, err)
			if len(applied) != 1 || applied[0].Source.Version != version {
				t.Fatalf("UpTo(%d) applied %d migrations, want migration %d alone", version, len(applied), version)
			}
			got, err := s.DatasetsByCode(ctx, []string{"DS-0103", "DS-0110", "DS-0100", "DS-0001", "DS-0111"})
			must(t, err)
			for code, want := range map[string]bool{"DS-0103": true, "DS-0110": true, "DS-0100": true, "DS-0001": false, "DS-0111": false} {
				if got[code].AuthorizedOperation != want {
					t.Errorf("%s after migration %d: authorized_operation = %v, want %v", code, version, got[code].AuthorizedOperation, want)
				}
			}
			// A row inserted afterwards without the column is not eligible.
			must(t, s.db.Exec("INSERT INTO datasets (code, name, department, fields, open_attribute, grade) VALUES (?, ?, ?, ?, ?, ?)",
				"DS-9003", "新数据", "health", `["a"]`, OpenClosed, 3).Error)
			if mustDataset(t, s, "DS-9003").AuthorizedOperation {
				t.Error("a row inserted without authorized_operation is eligible; want the default false")
			}

			_, err = p.DownTo(ctx, before)
			must(t, err)
			if s.db.Migrator().HasColumn(&Dataset{}, "authorized_operation") {
				t.Errorf("datasets.authorized_operation still exists after migration %d's Down", version)
			}
			_, err = p.Up(ctx)
			must(t, err)
			if !mustDataset(t, s, "DS-0103").AuthorizedOperation {
				t.Error("DS-0103 not eligible after migrating down and up again")
			}
		})
	}
}

// A fresh database seeded from the demo catalog holds both attributes: the
// closed datasets of the Longhua plan are eligible for authorized operation,
// the Nansha appendix's datasets are not.
func TestSeedAuthorizedOperation(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		for code, want := range map[string]bool{"DS-0103": true, "DS-0110": true, "DS-0111": true, "DS-0112": true, "DS-0104": true, "DS-0001": false} {
			if got := mustDataset(t, s, code).AuthorizedOperation; got != want {
				t.Errorf("%s: authorized_operation = %v, want %v", code, got, want)
			}
		}
		yes := true
		closed, _, err := s.Datasets(ctx, DatasetFilter{OpenAttribute: OpenClosed, AuthorizedOperation: &yes, Limit: MaxLimit})
		must(t, err)
		var codes []string
		for _, d := range closed {
			codes = append(codes, d.Code)
		}
		if got := strings.Join(codes, " "); !strings.Contains(got, "DS-0103") || !strings.Contains(got, "DS-0112") {
			t.Errorf("closed datasets eligible for authorized operation = %s, want DS-0103 … DS-0112 among them", got)
		}
	})
}

// Which datasets an application may name, and which only in the secure
// environment.
func TestDatasetRequestableAndSecureOnly(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		d                    Dataset
		requestable, secured bool
	}{
		{"unconditional grade 1", Dataset{OpenAttribute: OpenUnconditional, Grade: 1}, true, false},
		{"conditional grade 2", Dataset{OpenAttribute: OpenConditional, Grade: 2}, true, false},
		{"conditional grade 3", Dataset{OpenAttribute: OpenConditional, Grade: 3}, true, true},
		{"closed, eligible, grade 2", Dataset{OpenAttribute: OpenClosed, Grade: 2, AuthorizedOperation: true}, true, true},
		{"closed, eligible, grade 3", Dataset{OpenAttribute: OpenClosed, Grade: 3, AuthorizedOperation: true}, true, true},
		{"closed, not eligible", Dataset{OpenAttribute: OpenClosed, Grade: 3}, false, true},
	} {
		if got := tc.d.Requestable(); got != tc.requestable {
			t.Errorf("%s: Requestable = %v, want %v", tc.name, got, tc.requestable)
		}
		if got := tc.d.SecureOnly(); got != tc.secured {
			t.Errorf("%s: SecureOnly = %v, want %v", tc.name, got, tc.secured)
		}
	}
	for mode, want := range map[string]bool{AccessSandbox: true, AccessModelResult: true, AccessAPI: false, AccessDownload: false, "": false} {
		if got := SecureAccess(mode); got != want {
			t.Errorf("SecureAccess(%q) = %v, want %v", mode, got, want)
		}
	}
}
